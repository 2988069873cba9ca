package auto

import (
	"fmt"
	"io"
	"strings"

	"github.com/ceping/ceping/units"
)

// Coverage levels of a step.
const (
	CoverageFull    = "full"    // evidence decides 肯定 and 否定
	CoveragePartial = "partial" // evidence decides one direction; the tester the rest
	CoverageManual  = "manual"  // the tester answers
)

// StepCoverage says how far ceping answers one step by itself.
func StepCoverage(unit string, step int) (Evaluator, string) {
	for _, e := range registry {
		if e.Unit == unit && e.Step == step {
			return e, e.Coverage
		}
	}
	return Evaluator{}, CoverageManual
}

// WriteCoverage writes the automation coverage of every unit as Markdown:
// which steps are automated, partly automated or manual.
func WriteCoverage(w io.Writer, cat *units.Catalog) error {
	counts := map[string]int{}
	unitsWith := 0
	var body strings.Builder
	for _, u := range cat.Units() {
		var cells []string
		any := false
		for _, s := range u.Steps {
			e, c := StepCoverage(u.ID, s.N)
			counts[c]++
			switch c {
			case CoverageFull:
				cells = append(cells, fmt.Sprintf("%d）**自动** `%s`", s.N, e.Key))
				any = true
			case CoveragePartial:
				cells = append(cells, fmt.Sprintf("%d）*部分自动* `%s`", s.N, e.Key))
				any = true
			default:
				cells = append(cells, fmt.Sprintf("%d）人工", s.N))
			}
		}
		if u.Applicability != "" {
			cells = append([]string{"A）人工"}, cells...)
		}
		if any {
			unitsWith++
		}
		methods := make([]string, len(u.Methods))
		for i, m := range u.Methods {
			methods[i] = string(m)
		}
		fmt.Fprintf(&body, "| %s | %s | %s | %s |\n", u.ID, u.Item, strings.Join(methods, "、"), strings.Join(cells, "<br>"))
	}
	total := counts[CoverageFull] + counts[CoveragePartial] + counts[CoverageManual]
	fmt.Fprintf(w, `# Automation coverage — 自动化覆盖

Generated from the unit catalog and the evaluator registry (units/auto) by
`+"`go test ./units/auto -run TestCoverageDoc -update`"+`; a test keeps it current.

- **自动 (full)**: evidence decides the step both ways.
- **部分自动 (partial)**: evidence decides one direction (typically a
  violation: PI sent before consent, abroad, in cleartext…); when it finds
  nothing the step is 未知 and the tester answers it. Missing evidence is
  never a pass.
- **人工 (manual)**: document review, interviews, server checks and UI
  checks the tester answers in the answers file (`+"`ceping answers template`"+`).

Steps: %d in all — %d automated, %d partly automated, %d manual.
Units with at least one automated step: %d of %d.

| unit | 测评项 | 测评方式 | steps |
|---|---|---|---|
`, total, counts[CoverageFull], counts[CoveragePartial], counts[CoverageManual], unitsWith, cat.Len())
	_, err := io.WriteString(w, body.String())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n## Evaluators\n\n| key | unit, step | coverage | what it checks |\n|---|---|---|---|\n")
	for _, e := range registry {
		fmt.Fprintf(w, "| `%s` | %s %d） | %s | %s |\n", e.Key, e.Unit, e.Step, e.Coverage, strings.ReplaceAll(e.Doc, "|", "\\|"))
	}
	return nil
}
