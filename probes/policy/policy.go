// Package policy reads an App's privacy policy (隐私政策, HTML or text, UTF-8
// or GB18030/GBK) and extracts what it declares: the operator and its
// contact, the update and effective dates, the business functions with the
// PI types each collects and why, permissions, the third-party SDK list,
// retention, storage location and cross-border transfer, user rights and how
// to exercise them, the complaint channel and the children's section. It
// then checks the content GB/T 35273—2020 5.5 a) and appendix D require and
// the text points of the self-assessment guides (PI types listed without a
// vague "等", sensitive PI highlighted, a reply time within 15 working
// days…).
//
// The analysis is lexical and heuristic: it finds the standard's and the
// guides' terms and their usual synonyms. Every extracted fact keeps where
// it came from (line, byte offset, heading path) so that the tester can
// confirm each check against the quoted text.
package policy

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSize is the largest document Parse accepts.
const MaxSize = 16 << 20

// Policy is what a privacy policy declares and how it fares against the
// content checks.
type Policy struct {
	Source   string   `json:"source"`
	Format   string   `json:"format"`  // "html" or "text"
	Charset  string   `json:"charset"` // "utf-8" or "gb18030"
	Title    string   `json:"title,omitempty"`
	Chars    int      `json:"chars"` // characters of text extracted
	Warnings []string `json:"warnings,omitempty"`

	Operator  *Fact   `json:"operator,omitempty"`
	Contact   Contact `json:"contact"`
	Updated   *Fact   `json:"updated,omitempty"`   // Value is YYYY-MM-DD (or YYYY-MM)
	Effective *Fact   `json:"effective,omitempty"` // Value is YYYY-MM-DD (or YYYY-MM)

	Sections  []Section  `json:"sections,omitempty"`
	Functions []Function `json:"functions"`
	// Unattributed are PI types the collection section declares outside
	// any business function.
	Unattributed []string `json:"unattributed_pi_types"`
	// PITypes is the union of the PI types the policy declares (ceping
	// pi_type keys, see kb.PITypeNames), sorted.
	PITypes []string `json:"pi_types"`
	// Permissions are the Android permissions the policy declares, by
	// name or by their Chinese description, sorted.
	Permissions []string `json:"permissions"`
	SDKs        []SDK    `json:"sdks"`
	// NoSDKStatement is set when the policy says no third-party SDK is used.
	NoSDKStatement *Fact `json:"no_sdk_statement,omitempty"`

	Retention *Fact `json:"retention,omitempty"`
	Storage   *Fact `json:"storage,omitempty"` // the storage-location statement
	// CrossBorder is CrossBorderNotStated, CrossBorderNo or
	// CrossBorderTransfer; CrossBorderQuote is the sentence it rests on.
	CrossBorder      string `json:"cross_border"`
	CrossBorderQuote *Fact  `json:"cross_border_quote,omitempty"`

	Rights     []Right `json:"rights"`
	ReplyLimit *Fact   `json:"reply_limit,omitempty"`
	// ReplyWorkdays is the reply time in working days (calendar days
	// count as working days, an upper bound); 0 when not stated.
	ReplyWorkdays int   `json:"reply_workdays,omitempty"`
	Complaint     *Fact `json:"complaint,omitempty"`
	// ExternalDispute is the external complaint or dispute body
	// (网信、公安、市场监管、法院…).
	ExternalDispute *Fact `json:"external_dispute,omitempty"`
	Children        *Fact `json:"children,omitempty"`
	Security        *Fact `json:"security,omitempty"` // security measures statement
	Sharing         *Fact `json:"sharing,omitempty"`  // sharing / transfer / disclosure rules

	// Sensitive lists each sensitive PI type the policy declares and
	// whether any of its mentions is highlighted.
	Sensitive []SensitiveMention `json:"sensitive"`
	// Vague are the enumerations of PI ended by 等 or introduced by
	// 例如 / 包括但不限于.
	Vague []Fact `json:"vague,omitempty"`

	Checks []Check `json:"checks"`

	blocks    []*block
	highlight bool   // the document has highlight markup at all
	sq        string // squeezed text, for name look-ups
}

// Loc is where a fact was found: 1-based line and byte offset in the
// decoded document, and the heading path ("一、我们如何收集… > 1. 注册").
type Loc struct {
	Line    int    `json:"line"`
	Offset  int    `json:"offset"`
	Section string `json:"section,omitempty"`
}

func (l Loc) String() string {
	if l.Section != "" {
		return fmt.Sprintf("第 %d 行（%s）", l.Line, l.Section)
	}
	return fmt.Sprintf("第 %d 行", l.Line)
}

// Fact is one extracted value and where it came from.
type Fact struct {
	Value string `json:"value"`
	// Quote is the sentence the value was found in.
	Quote string `json:"quote,omitempty"`
	Loc
}

// Contact is the operator's contact information.
type Contact struct {
	Emails  []Fact `json:"emails,omitempty"`
	Phones  []Fact `json:"phones,omitempty"`
	Address *Fact  `json:"address,omitempty"`
}

// Section is one heading of the document.
type Section struct {
	Title string `json:"title"`
	Level int    `json:"level"`
	Kind  string `json:"kind,omitempty"` // collect, sdk, share, storage, rights, children, transfer, update, contact, protect, cookie
	Loc
}

// Function is one business function (业务功能) and what it collects.
type Function struct {
	Name string `json:"name"`
	// Kind is "basic" (基本业务功能), "extended" (扩展业务功能) or "".
	Kind     string   `json:"kind,omitempty"`
	PITypes  []string `json:"pi_types"`
	Purposes []string `json:"purposes"`
	// Vague is set when its PI enumeration uses 等 / 例如 / 包括但不限于.
	Vague bool `json:"vague"`
	Loc
}

// SDK is one entry of the policy's third-party SDK list.
type SDK struct {
	Name    string   `json:"name"`
	Company string   `json:"company,omitempty"`
	Purpose string   `json:"purpose,omitempty"`
	PITypes []string `json:"pi_types"`
	// ID is the kb SDK id the name resolves to, "" when not recognised.
	ID string `json:"id,omitempty"`
	Loc
}

// Right is one right of the PI subject and how the policy says to exercise it.
type Right struct {
	Key  string `json:"key"`  // RightAccess…
	Name string `json:"name"` // 查询、更正…
	// How is the path or channel the policy gives ("设置-隐私-导出",
	// an e-mail address…), "" when it only names the right.
	How   string `json:"how,omitempty"`
	Quote string `json:"quote"`
	Loc
}

// The rights of GB/T 35273—2020 5.5 a) 5).
const (
	RightAccess   = "access"
	RightCorrect  = "correct"
	RightDelete   = "delete"
	RightClose    = "close_account"
	RightWithdraw = "withdraw"
	RightCopy     = "copy"
)

// RightNames are the Chinese names of the rights, in the order of 5.5 a) 5).
var RightNames = []struct{ Key, Name string }{
	{RightAccess, "查询/访问"}, {RightCorrect, "更正"}, {RightDelete, "删除"},
	{RightClose, "注销账户"}, {RightWithdraw, "撤回同意"}, {RightCopy, "获取副本"},
}

// Cross-border statements.
const (
	CrossBorderNotStated = "not_stated"
	CrossBorderNo        = "no_transfer"
	CrossBorderTransfer  = "transfer"
)

// SensitiveMention says whether a sensitive PI type is highlighted.
type SensitiveMention struct {
	PIType      string `json:"pi_type"`
	Highlighted bool   `json:"highlighted"`
	Loc
}

// Check is one content requirement and its result.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Basis  string `json:"basis"`
	Result string `json:"result"` // Pass, Fail, Unknown
	Detail string `json:"detail"`
	Quote  *Fact  `json:"quote,omitempty"`
}

// Check results.
const (
	Pass    = "pass"
	Fail    = "fail"
	Unknown = "unknown"
)

// Parse reads one privacy policy. name names the input in errors and in
// Policy.Source.
func Parse(data []byte, name string) (*Policy, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty document", name)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: %d bytes, larger than the %d-byte limit for a privacy policy", name, len(data), MaxSize)
	}
	text, charset, warn, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &Policy{Source: name, Charset: charset}
	if warn != "" {
		p.Warnings = append(p.Warnings, warn)
	}
	if looksHTML(text) {
		p.Format = "html"
		p.blocks, p.Title = parseHTML(text)
	} else {
		p.Format = "text"
		p.blocks = parseText(text)
	}
	han := 0
	for _, b := range p.blocks {
		p.Chars += utf8.RuneCountInString(b.text)
		for _, r := range b.text {
			if unicode.Is(unicode.Han, r) {
				han++
			}
		}
		if len(b.hl) > 0 {
			p.highlight = true
		}
	}
	if p.Chars == 0 {
		return nil, fmt.Errorf("%s: no text in the %s document", name, p.Format)
	}
	if han == 0 {
		return nil, fmt.Errorf("%s: no Chinese text in the %s document (%d characters); not a Chinese privacy policy", name, p.Format, p.Chars)
	}
	structure(p.blocks)
	if p.Title == "" {
		for _, b := range p.blocks {
			if b.kind == bHeading {
				p.Title = truncRunes(b.text, 60)
				break
			}
		}
	}
	for _, b := range p.blocks {
		if b.kind == bHeading {
			p.Sections = append(p.Sections, Section{Title: truncRunes(b.text, 60), Level: b.level, Kind: b.sec, Loc: b.loc()})
		}
	}
	p.extractBasics()
	p.extractPI()
	p.extractSDKs()
	p.squeezed()
	p.runChecks()
	return p, nil
}

// looksHTML reports whether a document is HTML: a tag near its start.
func looksHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 2048)])
	for _, t := range []string{"<!doctype html", "<html", "<body", "<head", "<meta", "<p>", "<p ", "<div", "<h1", "<h2", "<table", "<br"} {
		if bytes.Contains(head, []byte(t)) {
			return true
		}
	}
	return false
}

// DeclaresPI reports whether the policy declares a PI type (kb key).
func (p *Policy) DeclaresPI(piType string) bool { return has(p.PITypes, piType) }

// DeclaresPermission reports whether the policy declares an Android
// permission by name or Chinese description.
func (p *Policy) DeclaresPermission(name string) bool { return has(p.Permissions, name) }

// Right returns the right with the key, nil when the policy does not state it.
func (p *Policy) Right(key string) *Right {
	for i := range p.Rights {
		if p.Rights[i].Key == key {
			return &p.Rights[i]
		}
	}
	return nil
}

// Check returns the check with the id, nil when there is none.
func (p *Policy) Check(id string) *Check {
	for i := range p.Checks {
		if p.Checks[i].ID == id {
			return &p.Checks[i]
		}
	}
	return nil
}

// Function returns the function with the name, nil when there is none.
func (p *Policy) Function(name string) *Function {
	for i := range p.Functions {
		if p.Functions[i].Name == name {
			return &p.Functions[i]
		}
	}
	return nil
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func uniqSorted(xs []string) []string {
	if len(xs) == 0 {
		return []string{}
	}
	sort.Strings(xs)
	out := xs[:1]
	for _, x := range xs[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// factAt makes a fact of a value found in block b at byte offset i of its
// text: the quote is the sentence around i.
func factAt(b *block, value string, i int) *Fact {
	return &Fact{Value: value, Quote: sentence(b.text, i), Loc: b.loc()}
}

// sentence returns the sentence of text that holds byte offset i, at most
// 160 characters.
func sentence(text string, i int) string {
	s, e := sentenceBounds(text, i)
	return truncRunes(strings.TrimSpace(text[s:e]), 160)
}

// sentenceBounds returns the byte range of the sentence holding offset i.
func sentenceBounds(text string, i int) (int, int) {
	i = max(0, min(i, len(text)))
	start := 0
	for _, sep := range []string{"。", "；", "！", "？", ";"} {
		if j := strings.LastIndex(text[:i], sep); j >= 0 && j+len(sep) > start {
			start = j + len(sep)
		}
	}
	end := len(text)
	for _, sep := range []string{"。", "；", "！", "？", ";"} {
		if j := strings.Index(text[i:], sep); j >= 0 && i+j+len(sep) < end {
			end = i + j + len(sep)
		}
	}
	return start, end
}
