package phase

import "testing"

// TestRES8_ReferenceKind: analyzed.toml names are told apart by form, so an
// image ID or a layout identifier is never sent to a registry.
func TestRES8_ReferenceKind(t *testing.T) {
	hex := "dc5618bd6b2f1e3c1d6e0c5e2b8f2a4c8d9e0f1a2b3c4d5e6f708192a3b4c5d6"
	tests := []struct {
		ref  string
		want refKind
	}{
		{"sha256:" + hex, refImageID},
		{"sha256:" + hex[:63], refRegistry},
		{"sha256:" + hex[:63] + "G", refRegistry},
		{"SHA256:" + hex, refRegistry},
		{"/layout/127.0.0.1:1/run/latest@sha256:" + hex, refLayout},
		{"/layout/run", refLayout},
		{"registry.example/run@sha256:" + hex, refRegistry},
		{"run:latest", refRegistry},
	}
	for _, tc := range tests {
		if got := referenceKind(tc.ref); got != tc.want {
			t.Errorf("referenceKind(%q) = %d, want %d", tc.ref, got, tc.want)
		}
		if got := IsRegistryReference(tc.ref); got != (tc.want == refRegistry) {
			t.Errorf("IsRegistryReference(%q) = %v", tc.ref, got)
		}
	}
}
