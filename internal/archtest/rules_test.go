package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/stratapool/strata"

// pkg is a package of the module with its transitive imports.
type pkg struct {
	path string
	deps []string
}

// graph is the module's packages and which import paths are standard.
type graph struct {
	pkgs     []pkg
	standard map[string]bool
}

// rule is one constraint on what a set of packages may depend on.
type rule struct {
	name string
	// applies reports whether the rule covers a package of the module.
	applies func(path string) bool
	// forbidden reports whether a dependency breaks the rule.
	forbidden func(g *graph, dep string) bool
}

func under(prefix string) func(string) bool {
	return func(p string) bool { return p == module+"/"+prefix || strings.HasPrefix(p, module+"/"+prefix+"/") }
}

func isGnet(dep string) bool { return strings.HasPrefix(dep, "github.com/panjf2000/gnet") }

var rules = []rule{
	{
		name:    "wire imports only the standard library and compression",
		applies: under("wire"),
		forbidden: func(g *graph, dep string) bool {
			return !g.standard[dep] && !strings.HasPrefix(dep, "github.com/klauspost/compress")
		},
	},
	{
		name:      "the Stratum parser imports only the standard library",
		applies:   under("edge/stratum"),
		forbidden: func(g *graph, dep string) bool { return !g.standard[dep] },
	},
	{
		name:      "core never imports the edge",
		applies:   under("core"),
		forbidden: func(_ *graph, dep string) bool { return under("edge")(dep) },
	},
	{
		name:      "the edge never imports the core",
		applies:   under("edge"),
		forbidden: func(_ *graph, dep string) bool { return under("core")(dep) },
	},
	{
		name: "gnet only in the edge and the bench",
		applies: func(p string) bool {
			return !under("edge")(p) && !under("bench")(p) && !under("cmd")(p)
		},
		forbidden: func(_ *graph, dep string) bool { return isGnet(dep) },
	},
	{
		name:      "no production package imports testing",
		applies:   func(string) bool { return true },
		forbidden: func(_ *graph, dep string) bool { return dep == "testing" },
	},
}

// check returns one line per broken rule, naming the package and the import.
func check(g *graph) []string {
	var out []string
	for _, r := range rules {
		for _, p := range g.pkgs {
			if !r.applies(p.path) {
				continue
			}
			for _, d := range p.deps {
				if r.forbidden(g, d) {
					out = append(out, fmt.Sprintf("%s: %s imports %s", r.name, p.path, d))
				}
			}
		}
	}
	return out
}

// loadGraph asks go list for the module's packages (without tests: test
// files may import anything) and their transitive imports.
func loadGraph(t *testing.T) *graph {
	t.Helper()
	list := func(args ...string) []string {
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Dir = "../.."
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
		}
		var lines []string
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		return lines
	}
	g := &graph{standard: map[string]bool{}}
	for _, line := range list("-deps", "-f", "{{.ImportPath}} {{.Standard}}", "./...") {
		path, std, _ := strings.Cut(line, " ")
		g.standard[path] = std == "true"
	}
	for _, line := range list("-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./...") {
		fields := strings.Fields(line)
		g.pkgs = append(g.pkgs, pkg{path: fields[0], deps: fields[1:]})
	}
	return g
}

func TestImportRules(t *testing.T) {
	g := loadGraph(t)
	for _, want := range []string{"wire", "core", "edge", "cmd/strata"} {
		if !slices.ContainsFunc(g.pkgs, func(p pkg) bool { return p.path == module+"/"+want }) {
			t.Fatalf("go list did not report %s: the test is not looking at the module", want)
		}
	}
	for _, v := range check(g) {
		t.Error(v)
	}
}

// TestRulesCatchViolations runs the checker on a made-up module that breaks
// every rule once, so a checker that finds nothing cannot pass unnoticed.
func TestRulesCatchViolations(t *testing.T) {
	g := &graph{
		standard: map[string]bool{"fmt": true, "testing": true},
		pkgs: []pkg{
			{module + "/wire", []string{"fmt", "github.com/klauspost/compress/s2", "github.com/btcsuite/btcd/wire/v2"}},
			{module + "/edge/stratum", []string{"fmt", "github.com/klauspost/compress/s2"}},
			{module + "/core/share", []string{module + "/edge/session"}},
			{module + "/edge/server", []string{module + "/core/chain", "github.com/panjf2000/gnet/v2"}},
			{module + "/core/link", []string{"github.com/panjf2000/gnet/v2"}},
			{module + "/internal/clock", []string{"testing"}},
			{module + "/bench", []string{"github.com/panjf2000/gnet/v2"}},
		},
	}
	got := check(g)
	for _, r := range rules {
		if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, r.name+":") }) {
			t.Errorf("rule %q found nothing in a module that breaks it", r.name)
		}
	}
	if len(got) != len(rules) {
		t.Errorf("want one violation per rule, got %d:\n%s", len(got), strings.Join(got, "\n"))
	}
}
