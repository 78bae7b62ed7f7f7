package main

import (
	"os"
	"path/filepath"
	"testing"
)

// dirs are where go generate runs for each package clientgen knows.
var dirs = map[string]string{
	"connectwise":     "connectwise",
	"heimdal":         "heimdal",
	"infima":          "infima",
	"security360":     "security360",
	"cwtest":          "connectwise/cwtest",
	"heimdaltest":     "heimdal/heimdaltest",
	"infimatest":      "infima/infimatest",
	"security360test": "security360/security360test",
}

// TestCommittedOutputIsCurrent fails when a generated file was edited by
// hand or the template changed without go generate: what is committed
// must be exactly what clientgen writes now.
func TestCommittedOutputIsCurrent(t *testing.T) {
	seen := 0
	for pkg := range clients {
		check(t, pkg)
		seen++
	}
	for pkg := range servers {
		check(t, pkg)
		seen++
	}
	if seen != len(dirs) {
		t.Errorf("clientgen knows %d packages, the test %d", seen, len(dirs))
	}
}

func check(t *testing.T, pkg string) {
	t.Helper()
	name, want, err := generate(pkg)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	path := filepath.Join("..", "..", dirs[pkg], name)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is not what clientgen writes; run go generate ./%s", path, dirs[pkg])
	}
}

func TestUnknownPackage(t *testing.T) {
	if _, _, err := generate("nosuch"); err == nil {
		t.Error("generate(nosuch) succeeded")
	}
}
