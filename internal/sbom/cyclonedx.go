package sbom

import (
	"fmt"
	"time"
)

// CycloneDX JSON, specVersion 1.5 (https://cyclonedx.org/docs/1.5/json/):
// only the fields this package fills.
type cdxBOM struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Version      int             `json:"version"`
	Metadata     cdxMetadata     `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Dependencies []cdxDependency `json:"dependencies"`
}

type cdxMetadata struct {
	Timestamp string       `json:"timestamp"`
	Tools     cdxTools     `json:"tools"`
	Component cdxComponent `json:"component"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	BOMRef     string        `json:"bom-ref,omitempty"`
	Type       string        `json:"type"`
	Name       string        `json:"name"`
	Version    string        `json:"version,omitempty"`
	PURL       string        `json:"purl,omitempty"`
	Properties []cdxProperty `json:"properties,omitempty"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

// CycloneDX is the binary's SBOM as CycloneDX 1.5 JSON (the
// <name>.sbom.cdx.json file), made at created.
func (b Binary) CycloneDX(created time.Time) ([]byte, error) {
	// A version 4 UUID made of the fingerprint: the same binary gets the
	// same serial number.
	u := b.fingerprint()
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	main := cdxComponent{BOMRef: b.Main.PURL(), Type: "application", Name: b.Name, Version: b.Main.Version, PURL: b.Main.PURL(),
		Properties: []cdxProperty{{Name: "golang:module", Value: b.Main.Path}, {Name: "golang:version", Value: b.GoVersion}}}
	for _, s := range b.Settings {
		main.Properties = append(main.Properties, cdxProperty{Name: "golang:build:" + s[0], Value: s[1]})
	}
	bom := cdxBOM{
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.5",
		SerialNumber: fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]),
		Version:      1,
		Metadata: cdxMetadata{
			Timestamp: created.UTC().Format(time.RFC3339),
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "cnb-lifecycle-sbom", Version: b.Main.Version}}},
			Component: main,
		},
		Components: []cdxComponent{{BOMRef: b.goPURL(), Type: "library", Name: "stdlib", Version: b.GoVersion, PURL: b.goPURL()}},
	}
	dependsOn := []string{b.goPURL()}
	for _, d := range b.Deps {
		c := cdxComponent{BOMRef: d.PURL(), Type: "library", Name: d.Path, Version: d.Version, PURL: d.PURL()}
		if d.Sum != "" {
			c.Properties = []cdxProperty{{Name: "golang:sum", Value: d.Sum}}
		}
		bom.Components = append(bom.Components, c)
		dependsOn = append(dependsOn, d.PURL())
	}
	bom.Dependencies = []cdxDependency{{Ref: main.BOMRef, DependsOn: dependsOn}}
	return marshal(bom)
}
