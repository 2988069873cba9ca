package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/ceping/ceping/units"
)

var unitsCmd = &cobra.Command{
	Use:   "units",
	Short: "测评单元目录 — list and show the 157 test units",
}

var (
	unitsListJSON     bool
	unitsListCategory []string
	unitsShowJSON     bool
)

var unitsListCmd = &cobra.Command{
	Use:   "list",
	Short: "列出测评单元 — list test units (table, or --json)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		cat, err := units.Load()
		if err != nil {
			return fmt.Errorf("units catalog: %w", err)
		}
		us, err := cat.SelectUnits(nil, unitsListCategory)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if unitsListJSON {
			if us == nil {
				us = []units.Unit{}
			}
			return writeJSON(w, us)
		}
		return writeUnitsTable(w, us)
	},
}

var unitsShowCmd = &cobra.Command{
	Use:   "show ID",
	Short: "显示测评单元 — show one test unit (steps, methods, rule)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		cat, err := units.Load()
		if err != nil {
			return fmt.Errorf("units catalog: %w", err)
		}
		id := strings.ToUpper(strings.TrimSpace(args[0]))
		u, ok := cat.Unit(id)
		if !ok {
			return fmt.Errorf("unknown unit %q (see ceping units list)", args[0])
		}
		if unitsShowJSON {
			return writeJSON(cmd.OutOrStdout(), u)
		}
		writeUnitText(cmd.OutOrStdout(), u)
		return nil
	},
}

func init() {
	unitsListCmd.Flags().BoolVar(&unitsListJSON, "json", false, "print the units as JSON (array of unit objects)")
	unitsListCmd.Flags().StringSliceVar(&unitsListCategory, "category", nil, "only these categories (PIC, PIS, UPI, RPI, EPI, HPI, PIO; comma-separated or repeated)")
	unitsShowCmd.Flags().BoolVar(&unitsShowJSON, "json", false, "print the unit as JSON")
	unitsCmd.AddCommand(unitsListCmd, unitsShowCmd)
	rootCmd.AddCommand(unitsCmd)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// clipRunes shortens s to n runes with an ellipsis, on one line.
func clipRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
}

func methodNames(ms []units.Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, "、")
}

func writeUnitsTable(w io.Writer, us []units.Unit) error {
	t := newTable(w)
	t.Header("编号", "测评项", "条款", "要求", "步骤", "测评方式", "指标要求")
	items := map[string]bool{}
	perCat := map[string]int{}
	for _, u := range us {
		level := "应"
		if u.Advisory {
			level = "宜"
		}
		items[u.Item] = true
		perCat[u.Category]++
		if err := t.Append(u.ID, u.Item, u.Clause, level, strconv.Itoa(len(u.Steps)), methodNames(u.Methods), clipRunes(u.Requirement, 40)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var cats []string
	for _, c := range units.Categories {
		if perCat[c] > 0 {
			cats = append(cats, fmt.Sprintf("%s %d", c, perCat[c]))
		}
	}
	_, err := fmt.Fprintf(w, "%d 个测评单元，%d 个测评项（%s）\n", len(us), len(items), strings.Join(cats, "，"))
	return err
}

func writeUnitText(w io.Writer, u units.Unit) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	level := "应（计入结论）"
	if u.Advisory {
		level = "宜（不计入结论）"
	}
	p("%s  %s  %s\n", u.ID, u.Number, u.SectionTitle)
	p("测评项：%s（GB/T 35273—2020 %s）\n", u.Item, u.Clause)
	p("要求：%s\n", level)
	p("指标要求：%s\n", u.Requirement)
	p("测评对象：%s\n", strings.Join(u.Objects, "、"))
	p("测评方式：%s\n", methodNames(u.Methods))
	p("测评步骤：\n")
	if u.Applicability != "" {
		p("  A）适用性问题：%s\n", u.Applicability)
	}
	for _, s := range u.Steps {
		auto := ""
		if s.Auto != "" {
			auto = "（可自动：" + s.Auto + "）"
		}
		p("  %d）%s  [%s]%s\n", s.N, s.Text, methodNames(s.Methods), auto)
	}
	p("单元判定：%s\n", u.Rule.Text)
	if u.Rule.NA != "" {
		p("规则：na: %s\n      pass: %s\n", u.Rule.NA, u.Rule.Pass)
	} else {
		p("规则：pass: %s\n", u.Rule.Pass)
	}
	for _, n := range u.Notes {
		p("注：%s\n", n)
	}
}
