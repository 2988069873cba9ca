package units

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Categories are the seven unit categories in the spec's order.
var Categories = []string{"PIC", "PIS", "UPI", "RPI", "EPI", "HPI", "PIO"}

// CategoryTitles are the spec's chapter titles of the categories.
var CategoryTitles = map[string]string{
	"PIC": "个人信息的收集",
	"PIS": "个人信息的保存",
	"UPI": "个人信息的使用",
	"RPI": "个人信息主体的权利",
	"EPI": "个人信息的委托处理、共享、转让、公开披露",
	"HPI": "个人信息安全事件处置",
	"PIO": "组织的个人信息安全管理要求",
}

// Item is one 测评项 with the units it holds.
type Item struct {
	Number       string   `json:"number"`
	Clause       string   `json:"clause"`
	Category     string   `json:"category"`
	Section      string   `json:"section"`
	SectionTitle string   `json:"section_title"`
	Units        []string `json:"units"`
	// Advisory is true when every unit of the item is advisory (宜).
	Advisory bool `json:"advisory"`
}

// Catalog is the validated set of units.
type Catalog struct {
	units []Unit
	index map[string]int
	rules []CompiledRule // parallel to units
	items []Item
	// itemUnits[i] are the indexes of items[i]'s units.
	itemUnits [][]int
}

// Units returns every unit in the spec's order. The slice is shared: do not
// modify it.
func (c *Catalog) Units() []Unit { return c.units }

// Unit returns the unit with the given ID.
func (c *Catalog) Unit(id string) (Unit, bool) {
	i, ok := c.index[id]
	if !ok {
		return Unit{}, false
	}
	return c.units[i], true
}

// Rule returns the compiled rule of the unit with the given ID.
func (c *Catalog) Rule(id string) (CompiledRule, bool) {
	i, ok := c.index[id]
	if !ok {
		return CompiledRule{}, false
	}
	return c.rules[i], true
}

// Items returns the 测评项 in the spec's order.
func (c *Catalog) Items() []Item { return c.items }

// Len is the number of units.
func (c *Catalog) Len() int { return len(c.units) }

// LoadFS loads and validates every *.yaml file at the root of fsys. Each
// file is a YAML sequence of units.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("units catalog: no *.yaml files")
	}
	sort.Strings(names)
	var all []Unit
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		us, err := decodeUnits(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, us...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return NewCatalog(all)
}

func decodeUnits(name string, data []byte) ([]Unit, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var us []Unit
	if err := dec.Decode(&us); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("units catalog %s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("units catalog %s: more than one YAML document", name)
	}
	return us, nil
}

var (
	idRE     = regexp.MustCompile(`^(PIC|PIS|UPI|RPI|EPI|HPI|PIO)-(\d{2})$`)
	numberRE = regexp.MustCompile(`^6(\.\d+)+$`)
)

var validMethod = map[Method]bool{}

func init() {
	for _, m := range MethodTrustOrder {
		validMethod[m] = true
	}
}

// NewCatalog validates units and builds a catalog. Units are ordered by
// category (spec order) and ID number; items by first appearance.
func NewCatalog(us []Unit) (*Catalog, error) {
	c := &Catalog{index: map[string]int{}}
	var errs []error
	fail := func(id string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("unit %s: %s", id, fmt.Sprintf(format, args...)))
	}
	us = append([]Unit(nil), us...)
	catRank := map[string]int{}
	for i, cat := range Categories {
		catRank[cat] = i
	}
	sort.SliceStable(us, func(i, j int) bool {
		a, b := idRE.FindStringSubmatch(us[i].ID), idRE.FindStringSubmatch(us[j].ID)
		if a == nil || b == nil {
			return false
		}
		if a[1] != b[1] {
			return catRank[a[1]] < catRank[b[1]]
		}
		return a[2] < b[2]
	})
	for i, u := range us {
		id := u.ID
		if id == "" {
			id = fmt.Sprintf("#%d (no id)", i+1)
		}
		m := idRE.FindStringSubmatch(u.ID)
		if m == nil {
			fail(id, "id must look like PIC-01 (category PIC/PIS/UPI/RPI/EPI/HPI/PIO, two digits)")
		} else if u.Category != m[1] {
			fail(id, "category %q does not match the id", u.Category)
		}
		if _, dup := c.index[u.ID]; dup {
			fail(id, "duplicate id")
		}
		if !numberRE.MatchString(u.Item) {
			fail(id, "item %q is not a 测评项 number such as 6.1.1.1", u.Item)
		}
		if strings.TrimSpace(u.Requirement) == "" {
			fail(id, "requirement (指标要求) is empty")
		}
		if len(u.Methods) == 0 {
			fail(id, "no methods (测评方式)")
		}
		for _, me := range u.Methods {
			if !validMethod[me] {
				fail(id, "unknown method %q (want one of %s)", me, methodList())
			}
		}
		if len(u.Steps) == 0 {
			fail(id, "no steps")
		}
		if len(u.Steps) > MaxSteps {
			fail(id, "%d steps, at most %d", len(u.Steps), MaxSteps)
		}
		for j, s := range u.Steps {
			if s.N != j+1 {
				fail(id, "step #%d is numbered %d; steps must be numbered 1..n in order", j+1, s.N)
			}
			if strings.TrimSpace(s.Text) == "" {
				fail(id, "step %d has no text", s.N)
			}
			for _, me := range s.Methods {
				if !validMethod[me] {
					fail(id, "step %d: unknown method %q (want one of %s)", s.N, me, methodList())
				}
			}
		}
		cr, err := u.Rule.Compile()
		if err != nil {
			fail(id, "rule: %v", err)
		} else {
			for _, e := range validateRule(u, cr) {
				fail(id, "rule: %s", e)
			}
		}
		c.index[u.ID] = len(c.units)
		c.units = append(c.units, u)
		c.rules = append(c.rules, cr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.buildItems()
	return c, nil
}

func methodList() string {
	s := make([]string, len(MethodTrustOrder))
	for i, m := range MethodTrustOrder {
		s[i] = string(m)
	}
	return strings.Join(s, "/")
}

// validateRule checks a compiled rule against its unit: referenced steps
// exist, A is used iff the unit has an applicability question, and every
// outcome the rule names can occur.
func validateRule(u Unit, cr CompiledRule) []string {
	var out []string
	n := len(u.Steps)
	valid := uint64(1)<<(n+1) - 2 // bits 1..n
	hasA := strings.TrimSpace(u.Applicability) != ""
	if hasA {
		valid |= bitA
	}
	if extra := cr.Refs &^ valid &^ bitA; extra != 0 {
		out = append(out, fmt.Sprintf("names step %s outside 1..%d", strings.Join(stepBits(extra), ", "), n))
	}
	usesA := cr.Refs&bitA != 0
	switch {
	case usesA && !hasA:
		out = append(out, "uses A but the unit has no applicability question")
	case hasA && !usesA:
		out = append(out, "the unit has an applicability question but the rule never uses A")
	}
	if len(out) > 0 {
		return out
	}
	// Enumerate every complete answer over the referenced bits.
	refs := cr.Refs
	var seen verdictSet
	naAlways := true
	sub := refs
	for {
		v := cr.Decide(sub, refs&^sub)
		seen |= setOf(v)
		if v != NotApplies {
			naAlways = false
		}
		if sub == 0 {
			break
		}
		sub = (sub - 1) & refs
	}
	if seen&vsPass == 0 {
		out = append(out, fmt.Sprintf("符合 can never occur (pass %q never holds when na does not)", u.Rule.Pass))
	}
	if seen&vsFail == 0 {
		out = append(out, fmt.Sprintf("不符合 can never occur (pass %q always holds when na does not)", u.Rule.Pass))
	}
	if len(cr.NA.Terms) > 0 || strings.TrimSpace(u.Rule.NA) != "" {
		if naAlways {
			out = append(out, fmt.Sprintf("na %q always holds", u.Rule.NA))
		} else if seen&vsNA == 0 {
			out = append(out, fmt.Sprintf("不适用 can never occur (na %q never holds)", u.Rule.NA))
		}
	}
	return out
}

func (c *Catalog) buildItems() {
	pos := map[string]int{}
	for i, u := range c.units {
		k, ok := pos[u.Item]
		if !ok {
			k = len(c.items)
			pos[u.Item] = k
			c.items = append(c.items, Item{
				Number: u.Item, Clause: u.Clause, Category: u.Category,
				Section: u.Section, SectionTitle: u.SectionTitle, Advisory: true,
			})
			c.itemUnits = append(c.itemUnits, nil)
		}
		it := &c.items[k]
		it.Units = append(it.Units, u.ID)
		if !u.Advisory {
			it.Advisory = false
		}
		c.itemUnits[k] = append(c.itemUnits[k], i)
	}
	// Spec order: by the item's number, numerically.
	order := make([]int, len(c.items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return numLess(c.items[order[a]].Number, c.items[order[b]].Number)
	})
	items := make([]Item, len(order))
	iu := make([][]int, len(order))
	for i, k := range order {
		items[i], iu[i] = c.items[k], c.itemUnits[k]
	}
	c.items, c.itemUnits = items, iu
}

// numLess compares dotted numbers such as 6.1.10.2 numerically.
func numLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// ByCategory returns the units of one category (nil for an unknown one).
func (c *Catalog) ByCategory(cat string) []Unit {
	var out []Unit
	for _, u := range c.units {
		if u.Category == cat {
			out = append(out, u)
		}
	}
	return out
}

// stepLabel renders a step key for Chinese text: "1）" or "适用性（A）".
func stepLabel(k string) string {
	if k == ApplicabilityStep {
		return "适用性问题（A）"
	}
	return k + "）"
}
