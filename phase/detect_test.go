package phase

import (
	"reflect"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

func TestMergeSystem(t *testing.T) {
	el := func(id string, optional bool) buildpack.GroupElement {
		return buildpack.GroupElement{ID: id, Version: "1", Optional: optional}
	}
	order := buildpack.Order{
		{Group: []buildpack.GroupElement{el("a", false)}},
		{Group: []buildpack.GroupElement{el("pre", false), el("b", true)}},
	}
	sys := files.System{
		Pre:  []files.SystemBuildpack{{ID: "pre", Version: "1"}},
		Post: []files.SystemBuildpack{{ID: "post", Version: "1", Optional: true}},
	}
	got := mergeSystem(order, sys)
	want := buildpack.Order{
		{Group: []buildpack.GroupElement{el("pre", false), el("a", false), el("post", true)}},
		{Group: []buildpack.GroupElement{el("pre", false), el("b", true), el("post", true)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeSystem() = %+v, want %+v (DET-15)", got, want)
	}
	if !reflect.DeepEqual(order[0].Group, []buildpack.GroupElement{el("a", false)}) {
		t.Error("mergeSystem() changed its input")
	}
}
