// Package layout is the OCI image layout backend: the platform's -layout and
// -layout-dir inputs (CONFORMANCE TGT-5..TGT-9, ANA-6, ANA-12; Platform spec,
// "Map an image reference to a path in the layout directory").
//
// Path maps an image reference to its directory under the layout directory;
// Read opens the image of a layout lazily, its layers pointing at their blob
// files; Write stores one image as the only image of a layout, linking blobs
// that are already files instead of copying them, and replaces the previous
// layout only once the new one is complete. Identifier and ParseIdentifier
// name a layout image in analyzed.toml as "<path>@sha256:<hex>".
//
// A layout path is a file path, never an image reference: a registry with a
// port (127.0.0.1:5000) puts a ':' in it.
package layout
