package buildpack

import (
	"strings"

	"github.com/pkg/errors"
)

// Verify reads the descriptor of every buildpack the order can reach,
// composite buildpacks' orders included, before any /bin/detect runs
// (CONFORMANCE API-2, DET-17). It fails on the first missing or invalid
// descriptor (an *APIError for an unsupported API) and on two ids that
// differ only in case (BPI-8).
func (s *Store) Verify(order Order) error {
	seen := map[string]bool{}
	lower := map[string]string{}
	var walk func(o Order, path []string) error
	walk = func(o Order, path []string) error {
		for _, g := range o {
			for _, el := range g.Group {
				key := el.String()
				for _, p := range path {
					if p == key {
						return errors.Errorf("composite buildpack %s includes itself (%s)", key, strings.Join(append(path, key), " -> "))
					}
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				if other, ok := lower[strings.ToLower(el.ID)]; ok && other != el.ID {
					return errors.Errorf("buildpack ids %q and %q differ only in case", other, el.ID)
				}
				lower[strings.ToLower(el.ID)] = el.ID
				d, err := s.Lookup(el.ID, el.Version)
				if err != nil {
					return err
				}
				if d.IsComposite() {
					if err := walk(d.Order, append(path[:len(path):len(path)], key)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(order, nil)
}
