package units

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ceping/ceping/evidence"
)

// AnswersSchema is the optional schema value of an answers file.
const AnswersSchema = "ceping.answers/v1"

// AnswersFile is a parsed answers file.
type AnswersFile struct {
	Name    string       // the file name errors and sources use
	Schema  string       // "" or AnswersSchema
	App     string       // free text: the App under test
	By      string       // default tester (top-level tester or by)
	At      time.Time    // default time (top-level at)
	Method  Method       // default method (top-level method)
	Answers []StepAnswer // every step answer, in file order
}

// PosError is one problem in an answers file, at a line and column.
type PosError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e PosError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// AnswersError lists every problem found in an answers file.
type AnswersError struct {
	Errs []PosError
}

func (e *AnswersError) Error() string {
	s := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		s[i] = x.Error()
	}
	return strings.Join(s, "\n")
}

// maxAnswerErrors bounds the error list of one file.
const maxAnswerErrors = 50

// ReadAnswersFile reads and parses an answers file from disk.
func ReadAnswersFile(cat *Catalog, path string) (*AnswersFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("answers file: %w", err)
	}
	return ParseAnswers(cat, path, data)
}

type answersParser struct {
	cat  *Catalog
	name string
	errs []PosError
	af   *AnswersFile
}

func (p *answersParser) errf(n *yaml.Node, format string, args ...any) {
	if len(p.errs) >= maxAnswerErrors {
		return
	}
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errs = append(p.errs, PosError{File: p.name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// ParseAnswers parses an answers file (full or short form, see
// docs/rules.md) against the catalog. Every problem is reported with
// file:line:column; nothing is silently ignored.
func ParseAnswers(cat *Catalog, name string, data []byte) (*AnswersFile, error) {
	p := &answersParser{cat: cat, name: name, af: &AnswersFile{Name: name}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &AnswersError{Errs: []PosError{{File: name, Line: 1, Msg: "empty answers file: want a mapping with key answers"}}}
		}
		return nil, &AnswersError{Errs: []PosError{yamlPosError(name, err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, &AnswersError{Errs: []PosError{yamlPosError(name, err)}}
		}
		at := &extra
		if len(extra.Content) > 0 {
			at = extra.Content[0]
		}
		p.errf(at, "a second YAML document; an answers file holds one")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	p.top(root)
	if len(p.errs) > 0 {
		return nil, &AnswersError{Errs: p.errs}
	}
	return p.af, nil
}

func yamlPosError(name string, err error) PosError {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if line == 0 {
		line = 1
	}
	return PosError{File: name, Line: line, Msg: "invalid YAML: " + msg}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "an empty value"
		}
		return fmt.Sprintf("the scalar %q", clip(n.Value))
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// pairs walks a mapping's key/value pairs, reporting non-scalar and
// duplicate keys; norm normalises a key for the duplicate check.
func (p *answersParser) pairs(m *yaml.Node, what string, norm func(string) string, fn func(k, v *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errf(k, "%s: a key must be a plain value, got %s", what, kindName(k))
			continue
		}
		if v.Kind == yaml.AliasNode || k.Kind == yaml.AliasNode {
			p.errf(v, "%s: YAML aliases are not supported in answers files", what)
			continue
		}
		nk := k.Value
		if norm != nil {
			nk = norm(k.Value)
		}
		if prev, dup := seen[nk]; dup {
			p.errf(k, "%s: duplicate key %q (first at line %d)", what, clip(k.Value), prev.Line)
			continue
		}
		seen[nk] = k
		fn(k, v)
	}
}

func (p *answersParser) str(v *yaml.Node, what string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!binary" {
		p.errf(v, "%s: want text, got %s", what, kindName(v))
		return "", false
	}
	if v.Tag == "!!null" {
		return "", true
	}
	return v.Value, true
}

func (p *answersParser) top(root *yaml.Node) {
	if root.Kind != yaml.MappingNode {
		p.errf(root, "want a mapping with key answers at the top, got %s", kindName(root))
		return
	}
	var answersNode *yaml.Node
	var tester, by *yaml.Node
	p.pairs(root, "top level", nil, func(k, v *yaml.Node) {
		switch k.Value {
		case "schema":
			if s, ok := p.str(v, "schema"); ok && s != AnswersSchema {
				p.errf(v, "schema %q: want %q", clip(s), AnswersSchema)
			} else {
				p.af.Schema = s
			}
		case "app":
			p.af.App, _ = p.str(v, "app")
		case "tester":
			tester = v
			p.af.By, _ = p.str(v, "tester")
		case "by":
			by = v
			p.af.By, _ = p.str(v, "by")
		case "at":
			p.af.At, _ = p.time(v, "at")
		case "method":
			p.af.Method, _ = p.method(v, "method")
		case "answers":
			answersNode = v
		default:
			p.errf(k, "unknown top-level key %q (want schema, app, tester, by, at, method or answers)", clip(k.Value))
		}
	})
	if tester != nil && by != nil {
		p.errf(by, "both tester and by are set; use one")
	}
	if answersNode == nil {
		p.errf(root, "no answers key")
		return
	}
	switch {
	case answersNode.Kind == yaml.ScalarNode && answersNode.Tag == "!!null":
		return // an empty questionnaire
	case answersNode.Kind != yaml.MappingNode:
		p.errf(answersNode, "answers: want a mapping of unit IDs, got %s", kindName(answersNode))
		return
	}
	p.pairs(answersNode, "answers", strings.ToUpper, func(k, v *yaml.Node) {
		id := strings.ToUpper(strings.TrimSpace(k.Value))
		u, ok := p.cat.Unit(id)
		if !ok {
			p.errf(k, "unknown unit %q", clip(k.Value))
			return
		}
		p.unit(&u, v)
	})
}

func (p *answersParser) unit(u *Unit, v *yaml.Node) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return // no steps answered
	}
	if v.Kind != yaml.MappingNode {
		p.errf(v, "%s: want a mapping of step numbers to answers, got %s", u.ID, kindName(v))
		return
	}
	p.pairs(v, u.ID, normStepKey, func(k, sv *yaml.Node) {
		key, ok := p.stepKey(u, k)
		if !ok {
			return
		}
		switch sv.Kind {
		case yaml.SequenceNode:
			if len(sv.Content) == 0 {
				p.errf(sv, "%s step %s: empty list of answers", u.ID, key)
			}
			for _, e := range sv.Content {
				p.answer(u, key, e)
			}
		default:
			p.answer(u, key, sv)
		}
	})
}

func normStepKey(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, ApplicabilityStep) {
		return ApplicabilityStep
	}
	if n, err := strconv.Atoi(s); err == nil {
		return strconv.Itoa(n)
	}
	return s
}

func (p *answersParser) stepKey(u *Unit, k *yaml.Node) (string, bool) {
	s := strings.TrimSpace(k.Value)
	if strings.EqualFold(s, ApplicabilityStep) {
		if u.Applicability == "" {
			p.errf(k, "%s has no applicability question (step A)", u.ID)
			return "", false
		}
		return ApplicabilityStep, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || k.Tag != "!!int" && k.Tag != "!!str" {
		p.errf(k, "%s: step key %q is not a step number", u.ID, clip(k.Value))
		return "", false
	}
	if n < 1 || n > len(u.Steps) {
		p.errf(k, "%s has no step %d (steps 1..%d)", u.ID, n, len(u.Steps))
		return "", false
	}
	return strconv.Itoa(n), true
}

// ParseAnswerValue reads an answer as written: 肯定/否定/未知, also
// yes/no/unknown, y/n, true/false, 是/否 (case-insensitive).
func ParseAnswerValue(s string) (Answer, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "肯定", "是", "yes", "y", "true":
		return Yes, true
	case "否定", "否", "no", "n", "false":
		return No, true
	case "未知", "unknown", "?", "":
		return Unknown, true
	}
	return "", false
}

func (p *answersParser) value(u *Unit, key string, v *yaml.Node) (Answer, bool) {
	if v.Kind != yaml.ScalarNode {
		p.errf(v, "%s step %s: want 肯定, 否定 or 未知, got %s", u.ID, key, kindName(v))
		return "", false
	}
	switch v.Tag {
	case "!!null":
		return Unknown, true
	case "!!str", "!!bool":
	default:
		p.errf(v, "%s step %s: invalid answer %q (want 肯定, 否定 or 未知)", u.ID, key, clip(v.Value))
		return "", false
	}
	a, ok := ParseAnswerValue(v.Value)
	if !ok {
		p.errf(v, "%s step %s: invalid answer %q (want 肯定, 否定 or 未知; yes/no/unknown and y/n are accepted)", u.ID, key, clip(v.Value))
	}
	return a, ok
}

func (p *answersParser) method(v *yaml.Node, what string) (Method, bool) {
	s, ok := p.str(v, what)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if !validMethod[Method(s)] {
		p.errf(v, "%s: unknown method %q (want one of %s)", what, clip(s), methodList())
		return "", false
	}
	return Method(s), true
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func (p *answersParser) time(v *yaml.Node, what string) (time.Time, bool) {
	s, ok := p.str(v, what)
	if !ok || strings.TrimSpace(s) == "" {
		return time.Time{}, ok
	}
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, true
		}
	}
	p.errf(v, "%s: invalid time %q (want RFC 3339, e.g. 2025-03-01T10:00:00+08:00, or 2025-03-01 10:00)", what, clip(s))
	return time.Time{}, false
}

func (p *answersParser) answer(u *Unit, key string, v *yaml.Node) {
	a := StepAnswer{
		Unit: u.ID, Step: key, Method: p.af.Method, By: p.af.By, At: p.af.At,
		Source: fmt.Sprintf("%s:%d", p.name, v.Line),
	}
	ok := true
	switch v.Kind {
	case yaml.ScalarNode:
		a.Value, ok = p.value(u, key, v)
	case yaml.MappingNode:
		var hasValue bool
		where := fmt.Sprintf("%s step %s", u.ID, key)
		p.pairs(v, where, nil, func(k, fv *yaml.Node) {
			var good bool
			switch k.Value {
			case "value":
				hasValue = true
				a.Value, good = p.value(u, key, fv)
			case "method":
				var m Method
				m, good = p.method(fv, where+": method")
				if m != "" {
					a.Method = m
				}
			case "note":
				a.Note, good = p.str(fv, where+": note")
			case "by":
				var s string
				s, good = p.str(fv, where+": by")
				if s != "" {
					a.By = s
				}
			case "at":
				var t time.Time
				t, good = p.time(fv, where+": at")
				if !t.IsZero() {
					a.At = t
				}
			case "evidence":
				a.Evidence, good = p.evidence(fv, where)
			default:
				p.errf(k, "%s: unknown key %q (want value, method, note, evidence, by or at)", where, clip(k.Value))
				good = false
			}
			ok = ok && good
		})
		if !hasValue {
			p.errf(v, "%s: no value (want value: 肯定, 否定 or 未知)", where)
			ok = false
		}
	default:
		p.errf(v, "%s step %s: want an answer or a mapping {value, method, note, evidence, by, at}, got %s", u.ID, key, kindName(v))
		ok = false
	}
	if ok {
		p.af.Answers = append(p.af.Answers, a)
	}
}

// RefKinds are the evidence kinds an answers file may cite.
var RefKinds = []evidence.RefKind{
	evidence.RefFlow, evidence.RefConn, evidence.RefDNS, evidence.RefMarker, evidence.RefFinding,
	evidence.RefManifest, evidence.RefAPK, evidence.RefPolicy, evidence.RefFile,
}

func (p *answersParser) evidence(v *yaml.Node, where string) ([]evidence.Ref, bool) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, true
	}
	if v.Kind != yaml.SequenceNode {
		p.errf(v, "%s: evidence: want a list of {kind, id, label}, got %s", where, kindName(v))
		return nil, false
	}
	ok := true
	var refs []evidence.Ref
	for _, e := range v.Content {
		if e.Kind != yaml.MappingNode {
			p.errf(e, "%s: evidence: want {kind, id, label}, got %s", where, kindName(e))
			ok = false
			continue
		}
		var r evidence.Ref
		p.pairs(e, where+": evidence", nil, func(k, fv *yaml.Node) {
			s, good := p.str(fv, where+": evidence "+k.Value)
			if !good {
				ok = false
				return
			}
			switch k.Value {
			case "kind":
				r.Kind = evidence.RefKind(s)
			case "id":
				r.ID = s
			case "label":
				r.Label = s
			default:
				p.errf(k, "%s: evidence: unknown key %q (want kind, id, label)", where, clip(k.Value))
				ok = false
			}
		})
		if r.Kind == "" || r.ID == "" {
			p.errf(e, "%s: evidence needs kind and id", where)
			ok = false
			continue
		}
		known := false
		for _, k := range RefKinds {
			if r.Kind == k {
				known = true
			}
		}
		if !known {
			p.errf(e, "%s: evidence kind %q unknown (want one of %s)", where, clip(string(r.Kind)), refKindList())
			ok = false
			continue
		}
		refs = append(refs, r)
	}
	return refs, ok
}

func refKindList() string {
	s := make([]string, len(RefKinds))
	for i, k := range RefKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// ReadAnswers parses several answers files in order; the answers of later
// files come later (at equal trust, a later answer counts).
func ReadAnswers(cat *Catalog, paths []string) ([]StepAnswer, []*AnswersFile, error) {
	var all []StepAnswer
	var files []*AnswersFile
	var errs []error
	for _, path := range paths {
		af, err := ReadAnswersFile(cat, path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, af)
		all = append(all, af.Answers...)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return all, files, nil
}
