package buildpack

import (
	"github.com/pkg/errors"
)

// Require is a [[requires]] entry a buildpack writes to its build plan.
type Require struct {
	Name     string         `toml:"name"`
	Version  string         `toml:"version,omitempty"`
	Metadata map[string]any `toml:"metadata,omitempty"`
}

// Provide is a [[provides]] entry.
type Provide struct {
	Name string `toml:"name"`
}

// PlanSections is one potential build plan: a requires and a provides list.
type PlanSections struct {
	Requires []Require `toml:"requires"`
	Provides []Provide `toml:"provides"`
}

// DetectPlan is what /bin/detect writes to <plan> (buildpack.md "Build
// Plan (TOML)"): top-level sections and alternatives under [[or]].
type DetectPlan struct {
	Requires []Require      `toml:"requires"`
	Provides []Provide      `toml:"provides"`
	Or       []PlanSections `toml:"or"`
}

// alternatives lists the potential plans: the top-level one first, then
// each [[or]] entry.
func (p DetectPlan) alternatives() []PlanSections {
	return append([]PlanSections{{Requires: p.Requires, Provides: p.Provides}}, p.Or...)
}

// validate rejects entries without a name and the top-level version key of a
// require (CONFORMANCE DET-14: "use metadata.version").
func (p DetectPlan) validate() error {
	for _, alt := range p.alternatives() {
		for _, r := range alt.Requires {
			if r.Name == "" {
				return errors.New("a [[requires]] entry has no name")
			}
			if r.Version != "" {
				if _, both := r.Metadata["version"]; both {
					return errors.Errorf("require %q sets both version and metadata.version: only metadata.version is allowed", r.Name)
				}
				return errors.Errorf("require %q sets a top-level version: use metadata.version", r.Name)
			}
		}
		for _, pr := range alt.Provides {
			if pr.Name == "" {
				return errors.New("a [[provides]] entry has no name")
			}
		}
	}
	return nil
}

// PlanEntry is one dependency of the resolved build plan: who provides it
// and every requirement for it (plan.toml, FIL-4).
type PlanEntry struct {
	Name      string
	Providers []GroupElement
	Requires  []Require
}

// trialMember is a passing buildpack with the plan it offers in one trial.
type trialMember struct {
	el       GroupElement
	optional bool
	plan     PlanSections
}

// resolvePlan finds the first trial, in left-to-right depth-first order over
// every member's alternatives, whose requires and provides match
// (buildpack.md "Phase #1: Detection"; CONFORMANCE DET-9). It returns the
// members kept (optional ones that broke the trial are dropped) and the
// plan, or ok=false when every trial fails.
func resolvePlan(members []passing) (kept []GroupElement, plan []PlanEntry, ok bool) {
	trial := make([]trialMember, len(members))
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(members) {
			kept, plan, ok = evaluateTrial(trial)
			return ok
		}
		for _, alt := range members[i].plan.alternatives() {
			trial[i] = trialMember{el: members[i].el, optional: members[i].optional, plan: alt}
			if try(i + 1) {
				return true
			}
		}
		return false
	}
	try(0)
	return kept, plan, ok
}

// passing is a member of a group whose /bin/detect passed.
type passing struct {
	el       GroupElement
	optional bool
	plan     DetectPlan
}

// evaluateTrial applies the matching rules until nothing changes: a member
// that provides something no member at or after it requires, or requires
// something no member at or before it provides, fails the trial if it is
// required and is removed if it is optional. Removing a member never fixes
// another, so all optional offenders go at once.
func evaluateTrial(trial []trialMember) ([]GroupElement, []PlanEntry, bool) {
	live := append([]trialMember(nil), trial...)
	for {
		var next []trialMember
		removed := false
		for i, m := range live {
			if memberSatisfied(live, i) {
				next = append(next, m)
				continue
			}
			if !m.optional {
				return nil, nil, false
			}
			removed = true
		}
		live = next
		if !removed {
			break
		}
	}
	if len(live) == 0 {
		return nil, nil, false
	}
	group := make([]GroupElement, len(live))
	for i, m := range live {
		group[i] = m.el
	}
	return group, planEntries(live), true
}

func memberSatisfied(live []trialMember, i int) bool {
	for _, req := range live[i].plan.Requires {
		found := false
		for j := 0; j <= i && !found; j++ {
			found = providesName(live[j].plan, req.Name)
		}
		if !found {
			return false
		}
	}
	for _, pr := range live[i].plan.Provides {
		found := false
		for j := i; j < len(live) && !found; j++ {
			found = requiresName(live[j].plan, pr.Name)
		}
		if !found {
			return false
		}
	}
	return true
}

func providesName(p PlanSections, name string) bool {
	for _, pr := range p.Provides {
		if pr.Name == name {
			return true
		}
	}
	return false
}

func requiresName(p PlanSections, name string) bool {
	for _, r := range p.Requires {
		if r.Name == name {
			return true
		}
	}
	return false
}

// planEntries groups the trial's provides and requires by dependency name,
// in order of first appearance (deterministic, CONFORMANCE DET-10).
func planEntries(live []trialMember) []PlanEntry {
	var out []PlanEntry
	index := map[string]int{}
	entry := func(name string) *PlanEntry {
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, PlanEntry{Name: name})
		}
		return &out[i]
	}
	for _, m := range live {
		provider := GroupElement{ID: m.el.ID, Version: m.el.Version}
		for _, pr := range m.plan.Provides {
			e := entry(pr.Name)
			if len(e.Providers) == 0 || e.Providers[len(e.Providers)-1].ID != provider.ID {
				e.Providers = append(e.Providers, provider)
			}
		}
		for _, r := range m.plan.Requires {
			e := entry(r.Name)
			e.Requires = append(e.Requires, Require{Name: r.Name, Metadata: r.Metadata})
		}
	}
	return out
}
