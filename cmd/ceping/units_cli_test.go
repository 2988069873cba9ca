package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ceping/ceping/units"
)

var (
	unitsCLIOnce sync.Once
	unitsCLIBin  string
	unitsCLIErr  error
	unitsCLIDir  string
)

// cepingBinary builds the real command once per test run.
func cepingBinary(t *testing.T) string {
	t.Helper()
	unitsCLIOnce.Do(func() {
		unitsCLIDir, unitsCLIErr = os.MkdirTemp("", "ceping-units-cli")
		if unitsCLIErr != nil {
			return
		}
		unitsCLIBin = filepath.Join(unitsCLIDir, "ceping")
		out, err := exec.Command("go", "build", "-o", unitsCLIBin, ".").CombinedOutput()
		if err != nil {
			unitsCLIErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if unitsCLIErr != nil {
		t.Fatal(unitsCLIErr)
	}
	return unitsCLIBin
}

// runCeping runs the binary and returns stdout, stderr and the exit code.
func runCeping(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(cepingBinary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

func TestCLIUnitsList(t *testing.T) {
	out, stderr, code := runCeping(t, "units", "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var us []struct {
		ID       string `json:"id"`
		Item     string `json:"item"`
		Advisory bool   `json:"advisory"`
		Steps    []struct {
			N int `json:"n"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &us); err != nil {
		t.Fatalf("units list --json: %v", err)
	}
	if len(us) != 157 {
		t.Errorf("%d units, want 157", len(us))
	}
	items := map[string]bool{}
	for _, u := range us {
		items[u.Item] = true
		if len(u.Steps) == 0 || u.Steps[0].N != 1 {
			t.Errorf("%s: steps %+v", u.ID, u.Steps)
		}
	}
	if len(items) != 146 {
		t.Errorf("%d items, want 146", len(items))
	}

	out, _, code = runCeping(t, "units", "list")
	if code != 0 || !strings.Contains(out, "157 个测评单元，146 个测评项（PIC 33，PIS 9，UPI 19，RPI 24，EPI 38，HPI 6，PIO 28）") {
		t.Errorf("table footer missing (exit %d):\n%s", code, lastLines(out, 3))
	}
	out, _, code = runCeping(t, "units", "list", "--category", "hpi", "--json")
	if err := json.Unmarshal([]byte(out), &us); err != nil || code != 0 || len(us) != 6 {
		t.Errorf("--category HPI: %d units, exit %d, %v", len(us), code, err)
	}
	_, stderr, code = runCeping(t, "units", "list", "--category", "XYZ")
	if code != 1 || !strings.Contains(stderr, `unknown category "XYZ"`) {
		t.Errorf("bad category: exit %d %q", code, stderr)
	}
}

func TestCLIUnitsShow(t *testing.T) {
	out, stderr, code := runCeping(t, "units", "show", "pic-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"PIC-01", "测评项：6.1.1.1", "单元判定：", "规则："} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runCeping(t, "units", "show", "UPI-04", "--json")
	var u units.Unit
	if err := json.Unmarshal([]byte(out), &u); err != nil || code != 0 || u.ID != "UPI-04" || u.Applicability == "" {
		t.Errorf("show --json: %v exit %d %+v", err, code, u)
	}
	_, stderr, code = runCeping(t, "units", "show", "PIC-99")
	if code != 1 || !strings.Contains(stderr, `unknown unit "PIC-99"`) {
		t.Errorf("unknown unit: exit %d %q", code, stderr)
	}
}

type judgeJSONOut struct {
	Schema string `json:"schema"`
	Units  []struct {
		ID      string        `json:"id"`
		Verdict units.Verdict `json:"verdict"`
		Reason  string        `json:"reason"`
	} `json:"units"`
	Items   []units.ItemResult `json:"items"`
	Summary units.Summary      `json:"summary"`
}

func TestCLIAnswersAndJudge(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "answers.yaml")
	if _, stderr, code := runCeping(t, "answers", "template", "-o", tpl, "--tester", "测试员"); code != 0 {
		t.Fatalf("template: exit %d %s", code, stderr)
	}
	// The untouched questionnaire: everything 未知 → 待定, exit 3.
	out, stderr, code := runCeping(t, "judge", "--answers", tpl, "--json")
	if code != 3 {
		t.Fatalf("judge template: exit %d, want 3 (待定): %s", code, stderr)
	}
	var j judgeJSONOut
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if j.Schema != "ceping.judge/v1" || len(j.Units) != 157 || len(j.Items) != 146 || j.Summary.Verdict != units.Pending {
		t.Errorf("judge --json: schema %q, %d units, %d items, verdict %s", j.Schema, len(j.Units), len(j.Items), j.Summary.Verdict)
	}

	// Answer every step so that every unit passes (from its own rule), then
	// break one mandatory unit.
	cat, err := units.Load()
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("tester: 测试员\nanswers:\n")
	for _, u := range cat.Units() {
		yes, no, ok := passingAnswers(cat, u)
		if !ok {
			t.Fatalf("%s: no passing answers", u.ID)
		}
		sb.WriteString("  " + u.ID + ":\n")
		if u.Applicability != "" {
			sb.WriteString("    A: " + answerWord(yes, no, 0) + "\n")
		}
		for _, s := range u.Steps {
			sb.WriteString("    " + strconv.Itoa(s.N) + ": " + answerWord(yes, no, s.N) + "\n")
		}
	}
	all := filepath.Join(dir, "pass.yaml")
	os.WriteFile(all, []byte(sb.String()), 0o644)
	out, stderr, code = runCeping(t, "judge", "--answers", all)
	if code != 0 {
		t.Fatalf("all passing: exit %d, want 0\n%s\n%s", code, lastLines(out, 6), stderr)
	}
	if !regexp.MustCompile(`符合率：\d+ / \d+ = 100\.0%`).MatchString(out) || !strings.Contains(out, "总体结论：符合") {
		t.Errorf("summary:\n%s", lastLines(out, 6))
	}

	// A second file overriding PIC-02 step 1 with a technical test → 不符合.
	u, _ := cat.Unit("PIC-02")
	yes, no, _ := passingAnswers(cat, u)
	flip := "否定"
	if answerWord(yes, no, 1) == "否定" {
		flip = "肯定"
	}
	over := filepath.Join(dir, "override.yaml")
	os.WriteFile(over, []byte("answers:\n  PIC-02:\n    1: {value: "+flip+", method: 技术检测}\n"), 0o644)
	out, stderr, code = runCeping(t, "judge", "--answers", all, "--answers", over, "--json")
	if code != 2 {
		t.Fatalf("override: exit %d, want 2: %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	for _, r := range j.Units {
		if r.ID == "PIC-02" && r.Verdict != units.Fail {
			t.Errorf("PIC-02 %s (%s)", r.Verdict, r.Reason)
		}
	}
	if j.Summary.Verdict != units.Fail || j.Summary.Items[units.Fail] != 1 {
		t.Errorf("summary %+v", j.Summary)
	}

	// Errors: exit 1 with file:line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("answers:\n  PIC-01:\n    9: 肯定\n"), 0o644)
	_, stderr, code = runCeping(t, "judge", "--answers", bad)
	if code != 1 || !strings.Contains(stderr, bad+":3:5: PIC-01 has no step 9") {
		t.Errorf("bad file: exit %d %q", code, stderr)
	}
	_, stderr, code = runCeping(t, "judge")
	if code != 1 || !strings.Contains(stderr, "--answers") {
		t.Errorf("no answers: exit %d %q", code, stderr)
	}
	_, stderr, code = runCeping(t, "answers", "template", "--units", "PIC-99")
	if code != 1 || !strings.Contains(stderr, "PIC-99") {
		t.Errorf("template bad unit: exit %d %q", code, stderr)
	}
}

// passingAnswers finds a complete answer vector for which the unit's rule
// gives 符合 (by asking the compiled rule; the rule semantics themselves are
// tested in package units).
func passingAnswers(cat *units.Catalog, u units.Unit) (yes, no uint64, ok bool) {
	cr, _ := cat.Rule(u.ID)
	n := len(u.Steps)
	all := uint64(1)<<(n+1) - 1
	for y := uint64(0); y <= all; y++ {
		if cr.Decide(y, all&^y) == units.Pass {
			return y, all &^ y, true
		}
	}
	return 0, 0, false
}

func answerWord(yes, no uint64, bit int) string {
	if yes&(1<<bit) != 0 {
		return "肯定"
	}
	return "否定"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
