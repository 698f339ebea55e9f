package buildpack

import (
	"github.com/pkg/errors"
)

// ExecEnvs is a list of execution environments (buildpack.md "Execution
// Environments"). In buildpack.toml it is written either as the spec's array
// of tables, [[buildpack.exec-env]] name = "test", or as the array of strings
// the reference lifecycle reads, exec-env = ["test"]; both are accepted
// (CONFORMANCE DET-16).
type ExecEnvs []string

// UnmarshalTOML implements toml.Unmarshaler for both forms.
func (e *ExecEnvs) UnmarshalTOML(data any) error {
	items, ok := data.([]any)
	if tables, isTables := data.([]map[string]any); isTables {
		for _, t := range tables {
			items = append(items, t)
		}
		ok = true
	}
	if !ok {
		if s, isString := data.(string); isString {
			*e = ExecEnvs{s}
			return nil
		}
		return errors.Errorf("exec-env: want an array of strings or of tables with a name, got %T", data)
	}
	out := make(ExecEnvs, 0, len(items))
	for _, it := range items {
		switch v := it.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			name, ok := v["name"].(string)
			if !ok || name == "" {
				return errors.New("exec-env: a table entry needs a non-empty name")
			}
			out = append(out, name)
		default:
			return errors.Errorf("exec-env: unexpected entry of type %T", it)
		}
	}
	*e = out
	return nil
}

// Allows reports whether the list admits execution environment env: an empty
// list and "*" admit every environment.
func (e ExecEnvs) Allows(env string) bool {
	if len(e) == 0 {
		return true
	}
	for _, x := range e {
		if x == "*" || x == env {
			return true
		}
	}
	return false
}
