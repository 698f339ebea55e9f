package buildpack

import (
	"reflect"
	"testing"
)

func req(names ...string) []Require {
	var out []Require
	for _, n := range names {
		out = append(out, Require{Name: n})
	}
	return out
}

func prov(names ...string) []Provide {
	var out []Provide
	for _, n := range names {
		out = append(out, Provide{Name: n})
	}
	return out
}

func member(id string, optional bool, p DetectPlan) passing {
	return passing{el: GroupElement{ID: id, Version: "1"}, optional: optional, plan: p}
}

func ids(els []GroupElement) []string {
	var out []string
	for _, e := range els {
		out = append(out, e.ID)
	}
	return out
}

// TestResolvePlan covers the trial rules of buildpack.md "Phase #1:
// Detection" (CONFORMANCE DET-9).
func TestResolvePlan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []passing
		wantOK  bool
		wantIDs []string
		names   []string // plan entry names, in order
	}{
		{"empty plans pass", []passing{member("a", false, DetectPlan{})}, true, []string{"a"}, nil},
		{"provide then require", []passing{
			member("a", false, DetectPlan{Provides: prov("x")}),
			member("b", false, DetectPlan{Requires: req("x")}),
		}, true, []string{"a", "b"}, []string{"x"}},
		{"same buildpack provides and requires", []passing{member("a", false, DetectPlan{Provides: prov("x"), Requires: req("x")})}, true, []string{"a"}, []string{"x"}},
		{"require before provide fails", []passing{
			member("a", false, DetectPlan{Requires: req("x")}),
			member("b", false, DetectPlan{Provides: prov("x")}),
		}, false, nil, nil},
		{"unrequired provide fails a required buildpack", []passing{member("a", false, DetectPlan{Provides: prov("x")})}, false, nil, nil},
		{"unprovided require fails a required buildpack", []passing{member("a", false, DetectPlan{Requires: req("x")})}, false, nil, nil},
		{"optional offender is dropped", []passing{
			member("a", false, DetectPlan{}),
			member("b", true, DetectPlan{Requires: req("y")}),
		}, true, []string{"a"}, nil},
		{"dropping cascades to optional providers", []passing{
			member("o1", true, DetectPlan{Provides: prov("x")}),
			member("o2", true, DetectPlan{Requires: req("x", "y")}),
			member("c", false, DetectPlan{}),
		}, true, []string{"c"}, nil},
		{"dropping an optional breaks a required one", []passing{
			member("o", true, DetectPlan{Provides: prov("x"), Requires: req("z")}),
			member("r", false, DetectPlan{Requires: req("x")}),
		}, false, nil, nil},
		{"or alternative chosen", []passing{
			member("a", false, DetectPlan{Provides: prov("x"), Or: []PlanSections{{Provides: prov("y")}}}),
			member("b", false, DetectPlan{Requires: req("y")}),
		}, true, []string{"a", "b"}, []string{"y"}},
		{"depth first: first member's first alternative with every later alternative", []passing{
			member("a", false, DetectPlan{Provides: prov("x"), Or: []PlanSections{{Provides: prov("y")}}}),
			member("b", false, DetectPlan{Requires: req("z"), Or: []PlanSections{{Requires: req("x")}, {Requires: req("y")}}}),
		}, true, []string{"a", "b"}, []string{"x"}},
		{"every buildpack removed fails", []passing{member("o", true, DetectPlan{Requires: req("q")})}, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kept, plan, ok := resolvePlan(tc.members)
			if ok != tc.wantOK {
				t.Fatalf("resolvePlan() ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if got := ids(kept); !reflect.DeepEqual(got, tc.wantIDs) {
				t.Errorf("resolvePlan() group = %v, want %v", got, tc.wantIDs)
			}
			var names []string
			for _, e := range plan {
				names = append(names, e.Name)
			}
			if !reflect.DeepEqual(names, tc.names) {
				t.Errorf("resolvePlan() entries = %v, want %v", names, tc.names)
			}
		})
	}
}

func TestPlanEntriesMergeProvidersAndRequires(t *testing.T) {
	_, plan, ok := resolvePlan([]passing{
		member("a", false, DetectPlan{Provides: prov("x")}),
		member("b", false, DetectPlan{Provides: prov("x", "y"), Requires: req("x")}),
		member("c", false, DetectPlan{Requires: []Require{{Name: "x", Metadata: map[string]any{"v": "1"}}, {Name: "y"}}}),
	})
	if !ok {
		t.Fatal("resolvePlan() failed")
	}
	if len(plan) != 2 || plan[0].Name != "x" || plan[1].Name != "y" {
		t.Fatalf("plan = %+v, want entries x then y", plan)
	}
	if got := ids(plan[0].Providers); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("x providers = %v, want [a b]", got)
	}
	if len(plan[0].Requires) != 2 || plan[0].Requires[1].Metadata["v"] != "1" {
		t.Errorf("x requires = %+v, want two with metadata kept", plan[0].Requires)
	}
}

func TestDetectPlanValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan DetectPlan
		ok   bool
	}{
		{"fine", DetectPlan{Requires: []Require{{Name: "x", Metadata: map[string]any{"version": "1"}}}}, true},
		{"top-level version (DET-14)", DetectPlan{Requires: []Require{{Name: "x", Version: "1"}}}, false},
		{"both versions", DetectPlan{Requires: []Require{{Name: "x", Version: "1", Metadata: map[string]any{"version": "1"}}}}, false},
		{"version inside or", DetectPlan{Or: []PlanSections{{Requires: []Require{{Name: "x", Version: "1"}}}}}, false},
		{"unnamed provide", DetectPlan{Provides: []Provide{{}}}, false},
	} {
		if err := tc.plan.validate(); (err == nil) != tc.ok {
			t.Errorf("%s: validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
