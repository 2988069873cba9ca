package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/units"
)

// JudgeSchema is the schema of `ceping judge --json` (docs/schema-judge.md).
const JudgeSchema = "ceping.judge/v1"

// Exit codes of ceping judge.
const (
	exitJudgePass    = 0
	exitJudgeError   = 1
	exitJudgeFail    = 2
	exitJudgePending = 3
)

var (
	judgeAnswers []string
	judgeJSON    bool
	judgeSession string
)

var judgeCmd = &cobra.Command{
	Use:   "judge --answers FILE [--answers FILE2 …]",
	Short: "判定 — judge the 157 units from answers files",
	Long: `按答卷判定全部测评单元，汇总测评项与总体结论（结果判定）。
多个答卷按顺序合并；同一步骤有多个答案时按采信顺序（技术检测 > 功能验证 >
服务端核查 > 文档审查 > 人员访谈）取用，同等采信时后者优先；未知 不覆盖 肯定/否定。

Judges every unit from the answers files and rolls the results up into
测评项 and the App's verdict. Prints a table (or JSON with --json).

Exit status:
  0  App 符合
  2  App 不符合
  3  App 待定 (some units cannot be decided yet)
  1  error (unreadable or invalid answers file, catalog error)`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		if judgeSession != "" {
			o := runOpt
			o.session, o.answers = judgeSession, judgeAnswers
			res, _, err := runSession(judgeSession, o)
			if err != nil {
				return &exitError{code: exitJudgeError, msg: err.Error()}
			}
			j := res.Judgement
			w := cmd.OutOrStdout()
			if judgeJSON {
				err = writeJSON(w, judgeOutput{Schema: JudgeSchema, Judgement: &j})
			} else {
				err = writeJudgeText(w, &j)
			}
			if err != nil {
				return err
			}
			return verdictExit(j)
		}
		if len(judgeAnswers) == 0 {
			return &exitError{code: exitJudgeError, msg: "judge: at least one --answers FILE is required (write one with: ceping answers template -o answers.yaml)"}
		}
		j, err := judgeFiles(judgeAnswers)
		if err != nil {
			return &exitError{code: exitJudgeError, msg: err.Error()}
		}
		w := cmd.OutOrStdout()
		if judgeJSON {
			err = writeJSON(w, judgeOutput{Schema: JudgeSchema, Judgement: j})
		} else {
			err = writeJudgeText(w, j)
		}
		if err != nil {
			return err
		}
		switch j.Summary.Verdict {
		case units.Fail:
			return &exitError{code: exitJudgeFail}
		case units.Pending:
			return &exitError{code: exitJudgePending}
		}
		return nil
	},
}

func init() {
	judgeCmd.Flags().StringArrayVar(&judgeAnswers, "answers", nil, "answers file (YAML; repeat for several, later files win at equal trust)")
	judgeCmd.Flags().StringVar(&judgeSession, "session", "", "judge a session: run every evaluator on its evidence too, and write the report (as ceping run)")
	judgeCmd.Flags().BoolVar(&judgeJSON, "json", false, "print the judgement as JSON (schema "+JudgeSchema+")")
	rootCmd.AddCommand(judgeCmd)
}

// judgeOutput is the JSON form of a judgement.
type judgeOutput struct {
	Schema string `json:"schema"`
	*units.Judgement
}

// judgeFiles reads the answers files and judges the whole catalog. Answers
// the judge could not use are an error here (the parser already rejects
// them, so this only guards against drift).
func judgeFiles(paths []string) (*units.Judgement, error) {
	cat, err := units.Load()
	if err != nil {
		return nil, fmt.Errorf("units catalog: %w", err)
	}
	answers, files, err := units.ReadAnswers(cat, paths)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		log.WithField("file", f.Name).WithField("answers", len(f.Answers)).Debug("answers file read")
	}
	j := units.Judge(cat, answers)
	if len(j.Problems) > 0 {
		return nil, errors.New(strings.Join(j.Problems, "\n"))
	}
	return &j, nil
}

func writeJudgeText(w io.Writer, j *units.Judgement) error {
	fmt.Fprintln(w, "测评项判定")
	t := newTable(w)
	t.Header("测评项", "条款", "类别", "测评单元", "结论")
	for _, it := range j.Items {
		v := string(it.Verdict)
		if it.Advisory {
			v += "（宜，不计入）"
		}
		if err := t.Append(it.Number, it.Clause, it.Category, strings.Join(it.Units, " "), v); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var na []string
	t = newTable(w)
	t.Header("测评单元", "测评项", "要求", "结论", "理由")
	rows := 0
	for _, u := range j.Units {
		switch u.Verdict {
		case units.Pass:
			continue
		case units.NotApplies:
			na = append(na, u.ID)
			continue
		}
		level := "应"
		if u.Advisory {
			level = "宜"
		}
		if err := t.Append(u.ID, u.Item, level, string(u.Verdict), clipRunes(u.Reason, 60)); err != nil {
			return err
		}
		rows++
	}
	if rows > 0 {
		fmt.Fprintln(w, "\n不符合与待定的测评单元")
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(na) > 0 {
		fmt.Fprintf(w, "\n不适用的测评单元：%s\n", strings.Join(na, " "))
	}
	s := j.Summary
	fmt.Fprintf(w, "\n测评单元（应）：符合 %d，不符合 %d，待定 %d，不适用 %d；宜达到的测评单元（不计入）：符合 %d，不符合 %d，待定 %d，不适用 %d\n",
		s.Units[units.Pass], s.Units[units.Fail], s.Units[units.Pending], s.Units[units.NotApplies],
		s.Advisory[units.Pass], s.Advisory[units.Fail], s.Advisory[units.Pending], s.Advisory[units.NotApplies])
	fmt.Fprintf(w, "测评项：符合 %d，不符合 %d，待定 %d，不适用 %d\n",
		s.Items[units.Pass], s.Items[units.Fail], s.Items[units.Pending], s.Items[units.NotApplies])
	fmt.Fprintf(w, "符合率：%d / %d = %.1f%%\n", s.PassedItems, s.Applicable, s.Rate*100)
	_, err := fmt.Fprintf(w, "总体结论：%s\n", s.Verdict)
	return err
}
