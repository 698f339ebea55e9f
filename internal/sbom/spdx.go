package sbom

import (
	"fmt"
	"strconv"
	"time"
)

// SPDX JSON, version 2.3 (https://spdx.github.io/spdx-spec/v2.3/): only the
// fields this package fills, the required ones included.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string            `json:"name"`
	SPDXID           string            `json:"SPDXID"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	LicenseConcluded string            `json:"licenseConcluded"`
	LicenseDeclared  string            `json:"licenseDeclared"`
	CopyrightText    string            `json:"copyrightText"`
	PrimaryPurpose   string            `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
}

type spdxExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// SPDX is the binary's SBOM as SPDX 2.3 JSON (the <name>.sbom.spdx.json
// file), made at created.
func (b Binary) SPDX(created time.Time) ([]byte, error) {
	fp := b.fingerprint()
	pkg := func(id, name, version, purl, purpose string) spdxPackage {
		return spdxPackage{Name: name, SPDXID: id, VersionInfo: version, DownloadLocation: "NOASSERTION",
			LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
			PrimaryPurpose: purpose,
			ExternalRefs:   []spdxExternalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl}}}
	}
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", Name: b.Name,
		DocumentNamespace: fmt.Sprintf("https://github.com/cnb-lifecycle/lifecycle/sbom/%s-%s-%x", b.Name, b.Main.Version, fp[:8]),
		CreationInfo: spdxCreationInfo{Created: created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: cnb-lifecycle-sbom-" + b.Main.Version}},
	}
	mainID := "SPDXRef-Package-" + b.Name
	doc.Packages = append(doc.Packages, pkg(mainID, b.Main.Path, b.Main.Version, b.Main.PURL(), "APPLICATION"),
		pkg("SPDXRef-Package-stdlib", "stdlib", b.GoVersion, b.goPURL(), "LIBRARY"))
	doc.Relationships = []spdxRelationship{
		{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: mainID},
		{Element: mainID, Type: "DEPENDS_ON", Related: "SPDXRef-Package-stdlib"},
	}
	for i, d := range b.Deps {
		id := "SPDXRef-Package-dep-" + strconv.Itoa(i+1)
		doc.Packages = append(doc.Packages, pkg(id, d.Path, d.Version, d.PURL(), "LIBRARY"))
		doc.Relationships = append(doc.Relationships, spdxRelationship{Element: mainID, Type: "DEPENDS_ON", Related: id})
	}
	return marshal(doc)
}
