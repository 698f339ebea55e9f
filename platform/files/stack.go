package files

import "github.com/pkg/errors"

// Stack is stack.toml, the run image of a stack (platform.md "stack.toml" of
// Platform API 0.11 and earlier; FIL-10). Platform API 0.12 replaced it with
// run.toml.
type Stack struct {
	RunImage RunImageEntry `toml:"run-image,omitempty"`
	// BuildImage is tolerated for platforms that write it; the lifecycle
	// does not use it.
	BuildImage StackBuildImage `toml:"build-image,omitempty"`
}

// StackBuildImage is stack.toml's [build-image].
type StackBuildImage struct {
	Image string `toml:"image,omitempty"`
}

// ReadStack reads stack.toml at path. Run image mirrors without a run image
// are an error.
func ReadStack(path string) (Stack, error) {
	var s Stack
	if err := readTOML(path, &s); err != nil {
		return Stack{}, err
	}
	if err := s.RunImage.validate(); err != nil {
		return Stack{}, errors.Wrapf(err, "reading %s: run-image", path)
	}
	return s, nil
}

// WriteStack writes s to path as stack.toml.
func WriteStack(path string, s Stack) error {
	return writeTOML(path, s)
}
