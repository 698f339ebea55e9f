package platform

// Environment variables of the Platform API (platform.md "Inputs" tables).
// CNB_ is reserved for these (CONFORMANCE GEN-12).
const (
	EnvPlatformAPI      = "CNB_PLATFORM_API"
	EnvExperimentalMode = "CNB_EXPERIMENTAL_MODE"
	EnvDeprecationMode  = "CNB_DEPRECATION_MODE"
	EnvLogLevel         = "CNB_LOG_LEVEL"
	EnvNoColor          = "CNB_NO_COLOR"

	EnvAnalyzedPath        = "CNB_ANALYZED_PATH"
	EnvAppDir              = "CNB_APP_DIR"
	EnvBuildConfigDir      = "CNB_BUILD_CONFIG_DIR"
	EnvBuildImage          = "CNB_BUILD_IMAGE"
	EnvBuildpacksDir       = "CNB_BUILDPACKS_DIR"
	EnvCacheDir            = "CNB_CACHE_DIR"
	EnvCacheImage          = "CNB_CACHE_IMAGE"
	EnvExecEnv             = "CNB_EXEC_ENV"
	EnvExtendedDir         = "CNB_EXTENDED_DIR"
	EnvExtensionsDir       = "CNB_EXTENSIONS_DIR"
	EnvForceRebase         = "CNB_FORCE_REBASE"
	EnvGeneratedDir        = "CNB_GENERATED_DIR"
	EnvGroupID             = "CNB_GROUP_ID"
	EnvGroupPath           = "CNB_GROUP_PATH"
	EnvInsecureRegistries  = "CNB_INSECURE_REGISTRIES"
	EnvLaunchCacheDir      = "CNB_LAUNCH_CACHE_DIR"
	EnvLauncherPath        = "CNB_LAUNCHER_PATH"
	EnvLauncherSBOMDir     = "CNB_LAUNCHER_SBOM_DIR"
	EnvLayersDir           = "CNB_LAYERS_DIR"
	EnvLayoutDir           = "CNB_LAYOUT_DIR"
	EnvOrderPath           = "CNB_ORDER_PATH"
	EnvParallelExport      = "CNB_PARALLEL_EXPORT"
	EnvPlanPath            = "CNB_PLAN_PATH"
	EnvPlatformDir         = "CNB_PLATFORM_DIR"
	EnvPreviousImage       = "CNB_PREVIOUS_IMAGE"
	EnvProcessType         = "CNB_PROCESS_TYPE"
	EnvProjectMetadataPath = "CNB_PROJECT_METADATA_PATH"
	EnvReportPath          = "CNB_REPORT_PATH"
	EnvRunImage            = "CNB_RUN_IMAGE"
	EnvRunPath             = "CNB_RUN_PATH"
	EnvSkipLayers          = "CNB_SKIP_LAYERS"
	EnvSkipRestore         = "CNB_SKIP_RESTORE"
	EnvStackPath           = "CNB_STACK_PATH"
	EnvSystemPath          = "CNB_SYSTEM_PATH"
	EnvUseDaemon           = "CNB_USE_DAEMON"
	EnvUseLayout           = "CNB_USE_LAYOUT"
	EnvUserID              = "CNB_USER_ID"
)

// Default locations (platform.md); <layers>-relative defaults are derived
// from the resolved layers dir instead.
const (
	DefaultAppDir         = "/workspace"
	DefaultBuildConfigDir = "/cnb/build-config"
	DefaultBuildpacksDir  = "/cnb/buildpacks"
	DefaultExtensionsDir  = "/cnb/extensions"
	DefaultLayersDir      = "/layers"
	DefaultPlatformDir    = "/platform"
	DefaultOrderPath      = "/cnb/order.toml"
	DefaultRunPath        = "/cnb/run.toml"
	DefaultStackPath      = "/cnb/stack.toml"
	DefaultSystemPath     = "/cnb/system.toml"
	DefaultLauncherPath   = "/cnb/lifecycle/launcher"
	DefaultLauncherSBOM   = "/cnb/lifecycle"
	DefaultExecEnv        = "production"
)

// LookupEnv is how the environment reaches this package: os.LookupEnv in
// production, a map in tests.
type LookupEnv func(key string) (string, bool)

// MapEnv adapts a map to LookupEnv.
func MapEnv(m map[string]string) LookupEnv {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
