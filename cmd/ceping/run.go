package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/pi"
	"github.com/ceping/ceping/probes/policy"
	"github.com/ceping/ceping/reports"
	"github.com/ceping/ceping/session"
	"github.com/ceping/ceping/units"
	"github.com/ceping/ceping/units/auto"
)

type runOptions struct {
	session string
	answers []string
	policy  string
	device  string
	meta    string
	out     string
	geoip   string
	reveal  bool
	first   []string
}

var runOpt runOptions

var runCmd = &cobra.Command{
	Use:   "run --session DIR [--answers FILE]… [--policy FILE] [--device FILE] [--meta FILE] [--out DIR]",
	Short: "测评 — analyse a session, run every evaluator, judge all units and write the report",
	Long: `对一个测评会话运行全部自动测评步骤，结合测评员答卷判定全部测评单元，并以全部格式输出测评报告。
Runs a whole test on a session: PI analysis of the captured traffic, the
automatic step evaluators (package facts, traffic, markers, privacy policy),
the tester's answers files, the judgement of all 157 units and the report in
every format (terminal, JSON, Markdown, HTML).

Exit status: 0 App 符合, 2 不符合, 3 待定, 1 error.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		if runOpt.session == "" {
			return &exitError{code: exitJudgeError, msg: "run: --session DIR is required (create one with: ceping session new)"}
		}
		res, files, err := runSession(runOpt.session, runOpt)
		if err != nil {
			return &exitError{code: exitJudgeError, msg: err.Error()}
		}
		printRunSummary(cmd.OutOrStdout(), res, files)
		return verdictExit(res.Judgement)
	},
}

func init() {
	f := runCmd.Flags()
	f.StringVar(&runOpt.session, "session", "", "session folder")
	f.StringArrayVar(&runOpt.answers, "answers", nil, "tester's answers file (YAML; repeatable)")
	f.StringVar(&runOpt.policy, "policy", "", "privacy policy (HTML or text); default: the one stored in the session by `ceping policy --session`")
	f.StringVar(&runOpt.device, "device", "", "test device profile (YAML, `ceping device init`); default: DIR/device.yaml when present")
	f.StringVar(&runOpt.meta, "meta", "", "report header (YAML: app, org, testers, environment, scope)")
	f.StringVar(&runOpt.out, "out", "", "report folder (default DIR/report)")
	f.StringVar(&runOpt.geoip, "geoip", "", "MaxMind-format country database instead of the embedded IP2Location LITE data")
	f.BoolVar(&runOpt.reveal, "reveal", false, "show raw PI values in the report (lab-internal use only)")
	f.StringArrayVar(&runOpt.first, "first-party", nil, "the app's own domain (repeatable; added to those derived from the package name and its endpoints)")
	rootCmd.AddCommand(runCmd)
}

func verdictExit(j units.Judgement) error {
	switch j.Summary.Verdict {
	case units.Pass:
		return nil
	case units.Fail:
		return &exitError{code: exitJudgeFail}
	default:
		return &exitError{code: exitJudgePending}
	}
}

// loadSessionEvidence reads everything a session holds.
func loadSessionEvidence(st *session.Store) (*evidenceSet, error) {
	ev := &evidenceSet{}
	var err error
	if ev.App, err = st.App(); err != nil {
		return nil, err
	}
	if err := st.ForEachFlow(true, func(f *evidence.Flow) error {
		ev.Flows = append(ev.Flows, f)
		return nil
	}); err != nil {
		return nil, err
	}
	if ev.Markers, err = st.Markers(); err != nil {
		return nil, err
	}
	if ev.DNS, err = st.DNS(); err != nil {
		return nil, err
	}
	if ev.Conns, err = st.Conns(); err != nil {
		return nil, err
	}
	return ev, nil
}

func runSession(dir string, runOpt runOptions) (*pipelineResult, map[string]string, error) {
	st, err := session.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	ev, err := loadRunEvidence(st, dir, runOpt)
	if err != nil {
		return nil, nil, err
	}
	meta, err := loadMeta(runOpt.meta)
	if err != nil {
		return nil, nil, err
	}
	opt := pipelineOptions{Answers: runOpt.answers, Reveal: runOpt.reveal, Meta: meta, FirstParty: runOpt.first}
	if runOpt.geoip != "" {
		g, err := pi.NewGeo(runOpt.geoip)
		if err != nil {
			return nil, nil, err
		}
		defer g.Close()
		opt.Geo = g
	}
	res, err := runPipeline(ev, opt)
	if err != nil {
		return nil, nil, err
	}
	start, end := sessionSpan(ev)
	finishMeta(&res.Report.Meta, start, end)
	if res.PI != nil {
		if err := st.ReplaceFindings(res.PI.Findings); err != nil {
			return nil, nil, err
		}
	}
	if err := st.PutJSON("judgement", res.Judgement); err != nil {
		return nil, nil, err
	}
	out := runOpt.out
	if out == "" {
		out = filepath.Join(dir, "report")
	}
	files, err := reports.WriteAll(out, res.Report)
	if err != nil {
		return nil, nil, err
	}
	return res, files, nil
}

func sessionSpan(ev *evidenceSet) (start, end time.Time) {
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if start.IsZero() || t.Before(start) {
			start = t
		}
		if t.After(end) {
			end = t
		}
	}
	for _, f := range ev.Flows {
		see(f.Start)
		see(f.End)
	}
	for _, m := range ev.Markers {
		see(m.Time)
	}
	return start, end
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// printRunSummary prints the verdict, the units that failed with their
// reasons, and where the report is.
func printRunSummary(w io.Writer, res *pipelineResult, files map[string]string) {
	j := res.Judgement
	fmt.Fprintf(w, "总体结论：%s    符合率：%d / %d = %.1f%%\n", j.Summary.Verdict, j.Summary.PassedItems, j.Summary.Applicable, j.Summary.Rate*100)
	var fails, pending []units.UnitResult
	for _, u := range j.Units {
		switch u.Verdict {
		case units.Fail:
			fails = append(fails, u)
		case units.Pending:
			pending = append(pending, u)
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "不符合的测评单元（%d）：\n", len(fails))
		for _, u := range fails {
			tag := ""
			if u.Advisory {
				tag = "（宜，不计入结论）"
			}
			fmt.Fprintf(w, "  %s%s  %s\n", u.ID, tag, firstAutoReason(res, u.ID, u.Reason))
		}
	}
	if len(pending) > 0 {
		ids := make([]string, len(pending))
		for i, u := range pending {
			ids[i] = u.ID
		}
		list := strings.Join(ids, "、")
		if len(ids) > 20 {
			list = strings.Join(ids[:12], "、") + fmt.Sprintf(" … 等 %d 个（答卷中作答后重新判定；详见报告）", len(ids))
		}
		fmt.Fprintf(w, "待定的测评单元（%d）：%s\n", len(pending), list)
	}
	if res.PI != nil {
		fmt.Fprintf(w, "流量：%d 个请求，发现个人信息 %d 处，境外目的地 %d 个\n", res.PI.Stats.Flows, len(res.PI.Observations), len(res.PI.CrossBorder))
	}
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Fprintf(w, "报告 %-8s %s\n", f, files[f])
	}
}

// firstAutoReason prefers the reasoning of an automatic answer that decided
// the unit (it names the evidence) over the generic rule reason.
func firstAutoReason(res *pipelineResult, unit, fallback string) string {
	for _, a := range res.Auto {
		if a.Unit == unit && a.Value != units.Unknown {
			return fmt.Sprintf("步骤 %s）%s：%s", a.Step, a.Value, a.Note)
		}
	}
	return fallback
}

// loadPolicyFacts reads the privacy policy: the file given, else the analysis
// `ceping policy --session` stored in the session.
func loadPolicyFacts(st *session.Store, path string) (*auto.Policy, error) {
	if path != "" {
		p, err := parsePolicyFile(path)
		if err != nil {
			return nil, err
		}
		if err := st.PutJSON("policy", p); err != nil {
			return nil, err
		}
		return policyFacts(p), nil
	}
	var p policy.Policy
	ok, err := st.GetJSON("policy", &p)
	if err != nil || !ok {
		return nil, err
	}
	return policyFacts(&p), nil
}

// loadRunEvidence reads the session's evidence, the device profile (--device,
// else DIR/device.yaml) and the privacy policy (--policy, else the analysis
// stored in the session).
func loadRunEvidence(st *session.Store, dir string, o runOptions) (*evidenceSet, error) {
	ev, err := loadSessionEvidence(st)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", dir, err)
	}
	device := o.device
	if device == "" {
		if p := filepath.Join(dir, "device.yaml"); fileExists(p) {
			device = p
		}
	}
	if device != "" {
		prof, warns, err := pi.LoadProfile(device)
		if err != nil {
			return nil, err
		}
		for _, w := range warns {
			log.Warn(w.String())
		}
		ev.Profile = prof
	}
	if ev.Policy, err = loadPolicyFacts(st, o.policy); err != nil {
		return nil, err
	}
	return ev, nil
}
