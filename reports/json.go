package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ceping/ceping/units"
)

// JudgeSchema is the schema of `ceping judge --json`, which Decode also
// accepts (docs/schema-judge.md).
const JudgeSchema = "ceping.judge/v1"

func encodeJSON(w io.Writer, r *Report) error {
	out := *r
	out.Schema = Schema
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&out)
}

// maxDecode caps the size of a report or judgement file Decode reads.
const maxDecode = 256 << 20

// Decode reads a saved report (schema ceping.report/v1) or a judgement
// (schema ceping.judge/v1, as `ceping judge --json` writes it; the report's
// Meta is then empty). name is used in error messages. The result is
// checked: every verdict and answer must be one the method defines.
func Decode(rd io.Reader, name string) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxDecode+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxDecode {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxDecode>>20)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(name, data, err)
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("%s: no \"schema\" field: expected %q or %q", name, Schema, JudgeSchema)
	}
	r := &Report{}
	switch *head.Schema {
	case Schema:
		if err := json.Unmarshal(data, r); err != nil {
			return nil, jsonError(name, data, err)
		}
		if r.Judgement == nil {
			return nil, fmt.Errorf("%s: no \"judgement\" object", name)
		}
	case JudgeSchema:
		var j units.Judgement
		if err := json.Unmarshal(data, &j); err != nil {
			return nil, jsonError(name, data, err)
		}
		r.Schema = Schema
		r.Judgement = &j
	default:
		return nil, fmt.Errorf("%s: schema %q is not supported: expected %q or %q", name, *head.Schema, Schema, JudgeSchema)
	}
	if err := checkJudgement(r.Judgement); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := Check(r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// jsonError names the line and column of a JSON error.
func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(data, se.Offset)
		return fmt.Errorf("%s:%d:%d: invalid JSON: %v", name, l, c, se)
	case errors.As(err, &te):
		l, c := lineCol(data, te.Offset)
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("%s:%d:%d: field %s: JSON %s cannot be a %s", name, l, c, field, te.Value, te.Type)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func lineCol(data []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func validVerdict(v units.Verdict) bool {
	switch v {
	case units.Pass, units.Fail, units.NotApplies, units.Pending:
		return true
	}
	return false
}

func validAnswer(a units.Answer) bool {
	switch a {
	case units.Yes, units.No, units.Unknown:
		return true
	}
	return false
}

// checkJudgement rejects verdicts and answers the method does not define.
func checkJudgement(j *units.Judgement) error {
	for i, u := range j.Units {
		if !validVerdict(u.Verdict) {
			return fmt.Errorf("units[%d] (%q): verdict %q is not one of 符合, 不符合, 不适用, 待定", i, u.ID, u.Verdict)
		}
		for k, s := range u.Steps {
			if s.Answer != "" && !validAnswer(s.Answer) {
				return fmt.Errorf("units[%d] (%q) steps[%d]: answer %q is not one of 肯定, 否定, 未知", i, u.ID, k, s.Answer)
			}
			for m, a := range s.All {
				if !validAnswer(a.Value) {
					return fmt.Errorf("units[%d] (%q) steps[%d] all[%d]: value %q is not one of 肯定, 否定, 未知", i, u.ID, k, m, a.Value)
				}
			}
		}
	}
	for i, it := range j.Items {
		if !validVerdict(it.Verdict) {
			return fmt.Errorf("items[%d] (%q): verdict %q is not one of 符合, 不符合, 不适用, 待定", i, it.Number, it.Verdict)
		}
	}
	if v := j.Summary.Verdict; v != "" && v != units.Pass && v != units.Fail && v != units.Pending {
		return fmt.Errorf("summary: verdict %q is not one of 符合, 不符合, 待定", v)
	}
	if r := j.Summary.Rate; r < 0 || r > 1 || r != r {
		return fmt.Errorf("summary: rate %v is outside 0..1", r)
	}
	return nil
}
