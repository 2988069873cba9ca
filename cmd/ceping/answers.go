package main

import (
	"bytes"
	"fmt"
	"github.com/ceping/ceping/session"
	"os"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/units"
)

var answersCmd = &cobra.Command{
	Use:   "answers",
	Short: "测评答卷 — answers files for judging",
}

var (
	answersTplOut      string
	answersTplUnits    []string
	answersTplCategory []string
	answersTplTester   string
	answersTplApp      string
	answersTplSession  string
)

var answersTemplateCmd = &cobra.Command{
	Use:   "template",
	Short: "生成答卷模板 — write a YAML questionnaire (every step 未知)",
	Long: `生成测评答卷模板：按测评单元分组，每个单元前以注释列出指标要求、测评方式、
单元判定和规则，每个步骤一行，值为 未知。填写后用 ceping judge --answers FILE 判定。

Writes an answers questionnaire grouped by unit; fill in 肯定/否定/未知 and
judge it with "ceping judge --answers FILE". See docs/rules.md.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		cat, err := units.Load()
		if err != nil {
			return fmt.Errorf("units catalog: %w", err)
		}
		opt := units.TemplateOptions{
			Units: answersTplUnits, Categories: answersTplCategory,
			Tester: answersTplTester, App: answersTplApp,
		}
		if answersTplSession != "" {
			if opt.Auto, err = sessionAutoAnswers(answersTplSession); err != nil {
				return err
			}
		}
		var buf bytes.Buffer
		err = units.WriteTemplate(&buf, cat, opt)
		if err != nil {
			return err
		}
		if answersTplOut == "" || answersTplOut == "-" {
			_, err = cmd.OutOrStdout().Write(buf.Bytes())
			return err
		}
		if err := os.WriteFile(answersTplOut, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("answers template: %w", err)
		}
		log.WithField("file", answersTplOut).Info("answers template written")
		return nil
	},
}

func init() {
	f := answersTemplateCmd.Flags()
	f.StringVarP(&answersTplOut, "output", "o", "", "write to FILE instead of standard output")
	f.StringSliceVar(&answersTplUnits, "units", nil, "only these units (comma-separated IDs, e.g. PIC-01,PIC-02)")
	f.StringSliceVar(&answersTplCategory, "category", nil, "only these categories (PIC, PIS, UPI, RPI, EPI, HPI, PIO)")
	f.StringVar(&answersTplTester, "tester", "", "测评人员: the default tester of every answer")
	f.StringVar(&answersTplApp, "app", "", "the App under test (free text)")
	f.StringVar(&answersTplSession, "session", "", "show, above each step, what ceping already answers from this session's evidence")
	answersCmd.AddCommand(answersTemplateCmd)
	rootCmd.AddCommand(answersCmd)
}

// sessionAutoAnswers runs the evaluators on a session's evidence (package,
// traffic, markers, the stored policy analysis) without judging or writing
// anything.
func sessionAutoAnswers(dir string) ([]units.StepAnswer, error) {
	st, err := session.Open(dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ev, err := loadRunEvidence(st, dir, runOptions{})
	if err != nil {
		return nil, err
	}
	res, err := runPipeline(ev, pipelineOptions{})
	if err != nil {
		return nil, err
	}
	var decided []units.StepAnswer
	for _, a := range res.Auto {
		if a.Value != units.Unknown {
			decided = append(decided, a)
		}
	}
	return decided, nil
}
