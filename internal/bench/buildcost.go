package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// beforeWholeAPI is the last commit before the generated PSA API landed
// (07a9aad "type the whole PSA API from its OpenAPI spec" is its child).
// Scenario 9 builds the tickets-only example at that commit and at the
// working tree, in the same run, so the ratio says what the whole API costs
// a program that does not use it.
const beforeWholeAPI = "8f79211"

// buildProgram is the tickets-only program whose cost the bound is about.
const buildProgram = "./examples/psa-tour"

// buildCost is one cold build: CPU (user + system of the go command and
// the compilers and linker it ran), wall time and the binary's size.
type buildCost struct {
	cpu, wall time.Duration
	size      int64
}

// coldBuild builds pkg in dir with an empty build cache, so that the
// standard library and every dependency compile again as on a fresh
// machine; the module cache is shared (downloads are not build time).
func coldBuild(ctx context.Context, dir, pkg string) (buildCost, error) {
	tmp, err := os.MkdirTemp("", "psabridge-buildcost-")
	if err != nil {
		return buildCost{}, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "prog")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(tmp, "cache"))
	start := time.Now()
	msg, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return buildCost{}, fmt.Errorf("go build %s in %s: %v: %s", pkg, dir, err, strings.TrimSpace(string(msg)))
	}
	st, err := os.Stat(out)
	if err != nil {
		return buildCost{}, err
	}
	ps := cmd.ProcessState
	return buildCost{cpu: ps.UserTime() + ps.SystemTime(), wall: wall, size: st.Size()}, nil
}

// checkout puts rev of the repository around the working directory into a
// temporary worktree and returns its path and how to remove it.
func checkout(ctx context.Context, rev string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "psabridge-before-")
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(tmp, "tree")
	if msg, err := exec.CommandContext(ctx, "git", "worktree", "add", "--detach", dir, rev).CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("git worktree add %s: %v: %s", rev, err, strings.TrimSpace(string(msg)))
	}
	return dir, func() {
		exec.Command("git", "worktree", "remove", "--force", dir).Run()
		os.RemoveAll(tmp)
	}, nil
}

// runBuildCost is scenario 9: the bound that a tickets-only
// program pays at most 1.5× in cold build time and binary size for the
// whole generated API.
func runBuildCost(ctx context.Context, p params) []row {
	fail := func(err error) []row {
		return []row{{ID: "9a", Name: "tickets-only build before/after the whole API", Figure: "n/a", Bound: "n/a", Ratio: "-", Target: "≤ 1.5×", Verdict: "MISS", Note: err.Error()}}
	}
	dir, remove, err := checkout(ctx, beforeWholeAPI)
	if err != nil {
		return fail(err)
	}
	defer remove()
	logf(p, "cold build of %s at %s", buildProgram, beforeWholeAPI)
	before, err := coldBuild(ctx, dir, buildProgram)
	if err != nil {
		return fail(err)
	}
	logf(p, "cold build of %s in the working tree", buildProgram)
	after, err := coldBuild(ctx, ".", buildProgram)
	if err != nil {
		return fail(err)
	}
	sizeR, sizeS := ratio(float64(after.size), float64(before.size))
	cpuR, cpuS := ratio(after.cpu.Seconds(), before.cpu.Seconds())
	_, wallS := ratio(after.wall.Seconds(), before.wall.Seconds())
	return []row{
		{ID: "9a", Name: "psa-tour binary size, now vs before the whole API", Figure: fmt.Sprintf("%d B", after.size), Bound: fmt.Sprintf("%d B at %s", before.size, beforeWholeAPI), Ratio: sizeS, Target: "≤ 1.5×", Verdict: verdict(sizeR <= 1.5)},
		{ID: "9b", Name: "psa-tour cold build: CPU", Figure: after.cpu.Round(100 * time.Millisecond).String(), Bound: before.cpu.Round(100*time.Millisecond).String() + " at " + beforeWholeAPI, Ratio: cpuS, Target: "≤ 1.5×", Verdict: verdict(cpuR <= 1.5),
			Note: "an empty GOCACHE for each build (the standard library compiles too); CPU is user+system of go and its children, steadier than wall time on a shared machine"},
		{ID: "9c", Name: "psa-tour cold build: wall", Figure: after.wall.Round(100 * time.Millisecond).String(), Bound: before.wall.Round(100 * time.Millisecond).String(), Ratio: wallS, Target: "report", Verdict: "info"},
	}
}
