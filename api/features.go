package api

// SupportedPlatform is the range (CONFORMANCE API-1) of Platform API versions this lifecycle
// implements.
func SupportedPlatform() Range { return Range{Min: Version{0, 7}, Max: Version{0, 15}} }

// SupportedBuildpack is the range (CONFORMANCE API-2) of Buildpack API versions this lifecycle
// implements.
func SupportedBuildpack() Range { return Range{Min: Version{0, 7}, Max: Version{0, 12}} }

// DeprecatedPlatform reports whether v is a deprecated Platform API. No
// supported version is deprecated today (GEN-9); the check exists so that
// CNB_DEPRECATION_MODE has one place to ask when one becomes so.
func DeprecatedPlatform(v Version) bool { return false }

// DeprecatedBuildpack reports whether v is a deprecated Buildpack API (none
// today, see DeprecatedPlatform).
func DeprecatedBuildpack(v Version) bool { return false }

// Feature is a behaviour that appeared in a given API version. A version
// supports a feature when it is that version or newer.
type Feature interface {
	// Since is the first API version with the feature.
	Since() Version
	String() string
}

// Supports reports whether v has feature f. Pass a PlatformFeature for a
// Platform API version and a BuildpackFeature for a Buildpack API version.
func (v Version) Supports(f Feature) bool { return v.AtLeast(f.Since()) }

// PlatformFeature names a change in the Platform API (CONFORMANCE §2 table).
type PlatformFeature int

// Platform API features, in the order they appeared.
const (
	_ PlatformFeature = iota
	// PlatformSBOM (0.8): <layers>/sbom, SBOM layers, SBOM restore.
	PlatformSBOM
	// PlatformSourceDateEpoch (0.9): SOURCE_DATE_EPOCH sets image times.
	PlatformSourceDateEpoch
	// PlatformAnalyzerSkipLayers (0.9): analyzer -launch-cache and -skip-layers.
	PlatformAnalyzerSkipLayers
	// PlatformLegacyBOMFile (0.9): legacy BOM goes to sbom.legacy.json.
	PlatformLegacyBOMFile
	// PlatformCommandArray (0.10): process command written as an array.
	PlatformCommandArray
	// PlatformDetectorExtensionFlags (0.10): detector -analyzed -extensions -generated.
	PlatformDetectorExtensionFlags
	// PlatformRestorerBuildImage (0.10): restorer -build-image.
	PlatformRestorerBuildImage
	// PlatformBuildConfig (0.11): <build-config>/env operator variables.
	PlatformBuildConfig
	// PlatformLauncherSBOM (0.11): exporter/creator -launcher-sbom.
	PlatformLauncherSBOM
	// PlatformRebaserPreviousImage (0.11): rebaser -previous-image.
	PlatformRebaserPreviousImage
	// PlatformRunTOML (0.12): run.toml and -run replace stack.toml and -stack.
	PlatformRunTOML
	// PlatformTargetData (0.12): run image target data and target matching.
	PlatformTargetData
	// PlatformLayout (0.12): OCI layout export (-layout, -layout-dir).
	PlatformLayout
	// PlatformRebaserForce (0.12): rebaser -force and rebasable checks.
	PlatformRebaserForce
	// PlatformRestorerDaemon (0.12): restorer -daemon -generated -layout -layout-dir.
	PlatformRestorerDaemon
	// PlatformBuilderAnalyzed (0.12): builder -analyzed.
	PlatformBuilderAnalyzed
	// PlatformInsecureRegistry (0.13): -insecure-registry / CNB_INSECURE_REGISTRIES.
	PlatformInsecureRegistry
	// PlatformExtensionsGA (0.13): image extensions are no longer experimental.
	PlatformExtensionsGA
	// PlatformRestorerRun (0.14): restorer -run and run image re-resolution.
	PlatformRestorerRun
	// PlatformSystemBuildpacks (0.15): system.toml and -system.
	PlatformSystemBuildpacks
	// PlatformExecEnv (0.15): CNB_EXEC_ENV.
	PlatformExecEnv
	// PlatformBuildLabelAPI (0.11): buildpack api in io.buildpacks.build.metadata.
	PlatformBuildLabelAPI
	// PlatformSkipRestoreStore (0.10): creator -skip-restore still restores
	// store.toml (before, it skipped the whole restore step).
	PlatformSkipRestoreStore
)

// Since implements Feature.
func (f PlatformFeature) Since() Version {
	switch f {
	case PlatformSBOM:
		return Version{0, 8}
	case PlatformSourceDateEpoch, PlatformAnalyzerSkipLayers, PlatformLegacyBOMFile:
		return Version{0, 9}
	case PlatformCommandArray, PlatformDetectorExtensionFlags, PlatformRestorerBuildImage, PlatformSkipRestoreStore:
		return Version{0, 10}
	case PlatformBuildConfig, PlatformLauncherSBOM, PlatformRebaserPreviousImage, PlatformBuildLabelAPI:
		return Version{0, 11}
	case PlatformRunTOML, PlatformTargetData, PlatformLayout, PlatformRebaserForce,
		PlatformRestorerDaemon, PlatformBuilderAnalyzed:
		return Version{0, 12}
	case PlatformInsecureRegistry, PlatformExtensionsGA:
		return Version{0, 13}
	case PlatformRestorerRun:
		return Version{0, 14}
	case PlatformSystemBuildpacks, PlatformExecEnv:
		return Version{0, 15}
	}
	panic("api: unknown platform feature")
}

func (f PlatformFeature) String() string {
	names := [...]string{"", "sbom", "source-date-epoch", "analyzer-skip-layers", "legacy-bom-file",
		"command-array", "detector-extension-flags", "restorer-build-image", "build-config",
		"launcher-sbom", "rebaser-previous-image", "run-toml", "target-data", "layout", "rebaser-force",
		"restorer-daemon", "builder-analyzed", "insecure-registry", "extensions-ga", "restorer-run",
		"system-buildpacks", "exec-env", "build-label-api", "skip-restore-store"}
	if int(f) > 0 && int(f) < len(names) {
		return "platform:" + names[f]
	}
	return "platform:unknown"
}

// BuildpackFeature names a change in the Buildpack API (CONFORMANCE §2 table).
type BuildpackFeature int

// Buildpack API features, in the order they appeared.
const (
	_ BuildpackFeature = iota
	// BuildpackEnvVars (0.8): CNB_PLATFORM_DIR, CNB_BUILD_PLAN_PATH,
	// CNB_LAYERS_DIR and CNB_BP_PLAN_PATH beside the positional arguments.
	BuildpackEnvVars
	// BuildpackWorkingDir (0.8): process working-dir is honoured.
	BuildpackWorkingDir
	// BuildpackCommandArray (0.9): process command is an array; direct is implied.
	BuildpackCommandArray
	// BuildpackTargets (0.10): [[targets]] and CNB_TARGET_* variables.
	BuildpackTargets
	// BuildpackExtensionsGA (0.11): image extensions are part of the API.
	BuildpackExtensionsGA
	// BuildpackExecEnv (0.12): CNB_EXEC_ENV and exec-env keys.
	BuildpackExecEnv
)

// Since implements Feature.
func (f BuildpackFeature) Since() Version {
	switch f {
	case BuildpackEnvVars, BuildpackWorkingDir:
		return Version{0, 8}
	case BuildpackCommandArray:
		return Version{0, 9}
	case BuildpackTargets:
		return Version{0, 10}
	case BuildpackExtensionsGA:
		return Version{0, 11}
	case BuildpackExecEnv:
		return Version{0, 12}
	}
	panic("api: unknown buildpack feature")
}

func (f BuildpackFeature) String() string {
	names := [...]string{"", "env-vars", "working-dir", "command-array", "targets", "extensions-ga", "exec-env"}
	if int(f) > 0 && int(f) < len(names) {
		return "buildpack:" + names[f]
	}
	return "buildpack:unknown"
}
