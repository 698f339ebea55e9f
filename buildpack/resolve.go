package buildpack

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/pkg/errors"
)

// Detection outcomes when no group passes (CONFORMANCE DET-11); the caller
// maps them to exit codes 20 and 21.
var (
	ErrNoGroupPassed = errors.New("buildpack: no buildpack group passed detection")
	ErrGroupErrored  = errors.New("buildpack: no buildpack group passed detection, and a buildpack errored")
)

// errGroupFailed is one group's failure: resolution moves on to the next.
var errGroupFailed = errors.New("buildpack: group failed")

// Detector resolves an order into the first group that passes detection
// (buildpack.md "Phase #1: Detection" and "Order Resolution").
type Detector struct {
	Store  *Store
	Env    DetectEnv
	Logger *log.Logger
	// MatchTarget turns on target matching against Env.Target (Platform API
	// 0.12+, CONFORMANCE DET-13).
	MatchTarget bool
	// FilterExecEnv turns on execution environment filtering against
	// Env.ExecEnv (Platform API 0.15+, CONFORMANCE DET-16).
	FilterExecEnv bool
	// Parallel bounds the /bin/detect processes run at once (DET-6); 0 means 1.
	Parallel int

	results map[string]DetectResult // by id@version: each /bin/detect runs once
	shown   map[string]bool         // outputs already written at info level
	errored bool
	groups  [][]candidate // groups evaluated, for the report on total failure
}

// candidate is a component buildpack of a group under evaluation.
type candidate struct {
	el   GroupElement
	desc *Descriptor
}

// Result is the detected group and its build plan.
type Result struct {
	Group []GroupElement
	Plan  []PlanEntry
	// Considered is the number of buildpacks in the group that passed
	// (optional failures included).
	Considered int
}

// Detect runs detection over order. It returns ErrNoGroupPassed or
// ErrGroupErrored when no group passes.
func (d *Detector) Detect(ctx context.Context, order Order) (Result, error) {
	d.results = map[string]DetectResult{}
	d.shown = map[string]bool{}
	res, err := d.order(ctx, order, nil, nil, false)
	if err == nil {
		return res, nil
	}
	if !errors.Is(err, errGroupFailed) {
		return Result{}, err
	}
	d.reportFailure()
	if d.errored {
		return Result{}, ErrGroupErrored
	}
	return Result{}, ErrNoGroupPassed
}

// order tries each group of o, followed by next, in turn. When optional is
// set (o is an optional composite buildpack), failing all of them falls back
// to next without it: the copy of the group without the optional element
// that the spec places after the original.
func (d *Detector) order(ctx context.Context, o Order, done []candidate, next []GroupElement, optional bool) (Result, error) {
	for _, g := range o {
		els := append(append([]GroupElement{}, g.Group...), next...)
		res, err := d.group(ctx, els, done)
		if err == nil || !errors.Is(err, errGroupFailed) {
			return res, err
		}
	}
	if optional {
		return d.group(ctx, next, done)
	}
	return Result{}, errGroupFailed
}

// group expands composite buildpacks depth-first (the rest of the group
// follows each of their groups) and evaluates the flat group.
func (d *Detector) group(ctx context.Context, els []GroupElement, done []candidate) (Result, error) {
	for i, el := range els {
		if hasID(done, el.ID) {
			continue // CONFORMANCE DET-4: already in this group
		}
		if d.FilterExecEnv && !el.ExecEnv.Allows(d.Env.ExecEnv) {
			d.Logger.Debugf("skip: %s (execution environment %q not in the order's exec-env)", el, d.Env.ExecEnv)
			continue
		}
		desc, err := d.Store.Lookup(el.ID, el.Version)
		if err != nil {
			return Result{}, err
		}
		if d.FilterExecEnv && !desc.Buildpack.ExecEnv.Allows(d.Env.ExecEnv) {
			d.Logger.Debugf("skip: %s (does not support execution environment %q)", el, d.Env.ExecEnv)
			continue
		}
		if desc.IsComposite() {
			return d.order(ctx, desc.Order, done, els[i+1:], el.Optional)
		}
		member := el
		member.API, member.Homepage = desc.API, desc.Buildpack.Homepage
		done = append(done[:len(done):len(done)], candidate{el: member, desc: desc})
	}
	return d.evaluate(ctx, done)
}

func hasID(cs []candidate, id string) bool {
	for _, c := range cs {
		if c.el.ID == id {
			return true
		}
	}
	return false
}

// evaluate runs /bin/detect for the group's buildpacks not run yet, then
// decides the group (CONFORMANCE DET-5, DET-8, DET-9).
func (d *Detector) evaluate(ctx context.Context, group []candidate) (Result, error) {
	if len(group) == 0 {
		return Result{}, errGroupFailed
	}
	d.groups = append(d.groups, group)
	d.run(ctx, group)

	var members []passing
	failed := false
	for _, c := range group {
		r := d.resultFor(c)
		d.logResult(c, r)
		if r.Errored() {
			d.errored = true
		}
		switch {
		case r.Passed():
			members = append(members, passing{el: c.el, optional: c.el.Optional, plan: r.Plan})
		case !c.el.Optional:
			failed = true
		}
	}
	if failed || len(members) == 0 {
		return Result{}, errGroupFailed
	}
	kept, plan, ok := resolvePlan(members)
	if !ok {
		d.Logger.Debugf("fail: the build plans of %s do not resolve", describe(group))
		return Result{}, errGroupFailed
	}
	for i := range kept {
		kept[i].Optional = false
	}
	return Result{Group: kept, Plan: plan, Considered: len(group)}, nil
}

// run executes the group's detects that have no result yet, in parallel.
func (d *Detector) run(ctx context.Context, group []candidate) {
	var todo []candidate
	for _, c := range group {
		if _, ok := d.results[c.el.String()]; !ok && !d.mismatched(c) {
			todo = append(todo, c)
		}
	}
	out := make([]DetectResult, len(todo))
	limit := d.Parallel
	if limit < 1 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, c := range todo {
		wg.Add(1)
		go func(i int, c candidate) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = c.desc.Detect(ctx, d.Env)
		}(i, c)
	}
	wg.Wait()
	for i, c := range todo {
		d.results[c.el.String()] = out[i]
	}
}

// resultFor is c's outcome in the current group: a target mismatch depends
// on whether c is optional there, so it is not cached.
func (d *Detector) resultFor(c candidate) DetectResult {
	if d.mismatched(c) {
		return d.targetMismatch(c)
	}
	return d.results[c.el.String()]
}

// mismatched reports whether target matching rules c out; its /bin/detect
// then never runs.
func (d *Detector) mismatched(c candidate) bool {
	return d.MatchTarget && !c.desc.SupportsTarget(d.Env.Target)
}

// targetMismatch is the result of a buildpack that cannot run on the target:
// an error for a required buildpack, a plain failure for an optional one.
func (d *Detector) targetMismatch(c candidate) DetectResult {
	t := d.Env.Target
	var targets []string
	for _, bt := range c.desc.EffectiveTargets() {
		targets = append(targets, bt.String())
	}
	msg := fmt.Sprintf("no target of %s (%s) matches the run image target %s/%s", c.el, strings.Join(targets, "; "), t.OS, t.Arch)
	if t.DistroName != "" {
		msg += fmt.Sprintf(" (%s@%s)", t.DistroName, t.DistroVersion)
	}
	if c.el.Optional {
		return DetectResult{Code: CodeFail, Stderr: []byte(msg + "\n")}
	}
	return DetectResult{Code: -1, Err: errors.New(msg)}
}

// logResult reports one buildpack (CONFORMANCE DET-12): pass, fail and skip
// at debug with the output; errors at info with the output.
func (d *Detector) logResult(c candidate, r DetectResult) {
	key := c.el.String()
	switch {
	case r.Errored():
		if !d.shown[key] {
			d.shown[key] = true
			d.showOutput(log.InfoLevel, key, r)
			if r.Err != nil {
				d.Logger.Errorf("%s: %s", key, r.Err)
			}
		}
		d.Logger.Infof("err:  %s (%d)", key, r.Code)
	case r.Passed():
		d.showOutput(log.DebugLevel, key, r)
		d.Logger.Debugf("pass: %s", key)
	case c.el.Optional:
		d.showOutput(log.DebugLevel, key, r)
		d.Logger.Debugf("skip: %s", key)
	default:
		d.showOutput(log.DebugLevel, key, r)
		d.Logger.Debugf("fail: %s", key)
	}
}

func (d *Detector) showOutput(lv log.Level, key string, r DetectResult) {
	if len(r.Stdout) == 0 && len(r.Stderr) == 0 {
		return
	}
	d.Logger.Writer(lv).Write([]byte("======== Output: " + key + " ========\n"))
	d.Logger.Writer(lv).Write(r.Stdout)
	errLevel := lv
	if errLevel < log.WarnLevel {
		errLevel = log.WarnLevel
	}
	d.Logger.Writer(errLevel).Write(r.Stderr)
}

// reportFailure shows at info level, once, the output and outcome of every
// buildpack tried, since no group passed (CONFORMANCE DET-12).
func (d *Detector) reportFailure() {
	if d.Logger.Enabled(log.DebugLevel) {
		return // already shown
	}
	seen := map[string]bool{}
	for _, g := range d.groups {
		for _, c := range g {
			key := c.el.String()
			if seen[key] || d.shown[key] {
				continue
			}
			seen[key] = true
			r := d.resultFor(c)
			d.showOutput(log.InfoLevel, key, r)
			status := "fail"
			switch {
			case r.Passed():
				status = "pass"
			case c.el.Optional:
				status = "skip"
			}
			d.Logger.Infof("%s: %s", status, key)
		}
	}
}

func describe(cs []candidate) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.el.String()
	}
	return strings.Join(names, ", ")
}
