package policy

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ceping/ceping/kb"
)

var (
	hdrNameRE    = regexp.MustCompile(`(?i)SDK|名称|插件|第三方$`)
	hdrCompanyRE = regexp.MustCompile(`公司|主体|提供方|运营方|开发者|所属|合作方|企业`)
	hdrPurposeRE = regexp.MustCompile(`目的|用途|场景|功能|用于`)
	hdrPIRE      = regexp.MustCompile(`信息|字段|类型|数据|权限`)
	hdrLinkRE    = regexp.MustCompile(`(?i)链接|网址|政策|官网|url`)

	labelNameRE    = regexp.MustCompile(`(?i)^(?:第三方\s*)?(?:SDK|插件|服务)\s*(?:名称|名字)?\s*[：:]\s*|^名称\s*[：:]\s*`)
	labelCompanyRE = regexp.MustCompile(`^(?:第三方)?(?:主体|公司|公司名称|主体名称|名称|提供方|运营方|开发者|所属公司|合作方)\s*(?:名称)?\s*[：:]\s*`)
	labelPurposeRE = regexp.MustCompile(`^(?:使用)?(?:目的|用途|场景|使用场景|功能)\s*[：:]\s*`)
	labelPIRE      = regexp.MustCompile(`^(?:收集|涉及|处理|共享)?(?:的)?(?:个人)?(?:信息|数据)(?:类型|字段|范围|种类)?\s*[：:]\s*|^(?:收集|涉及|处理|共享)(?:的)?(?:个人)?(?:信息|数据)(?:类型|字段|范围|种类)?\s*[：:]\s*|^(?:收集|使用)(?:的)?权限\s*[：:]\s*`)
	sdkWordRE      = regexp.MustCompile(`(?i)SDK`)
	sdkListTitleRE = regexp.MustCompile(`第三方|清单|列表|目录|说明|情况|合作方`)
	// "我们接入了高德地图 SDK 用于定位和导航": an SDK named in prose.
	proseSDKRE  = regexp.MustCompile(`(?i)([\p{Han}A-Za-z][\p{Han}A-Za-z0-9]{1,15})\s*SDK(?:[^，,。；;、]{0,6}?用于([^，,。；;]{2,30}))?`)
	proseVerbRE = regexp.MustCompile(`^(?:我们)?(?:还)?(?:接入了|集成了|使用了|嵌入了|接入|集成|使用|嵌入|了|和|及|与)+`)
)

// extractSDKs reads the third-party SDK list: tables whose header names an
// SDK column, and "SDK名称：… 提供方：… 使用目的：… 收集信息：…" lists in the
// SDK section.
func (p *Policy) extractSDKs() {
	p.SDKs = []SDK{}
	var cols map[string]int // role → column, from the last header row
	var cur *SDK
	flush := func() {
		if cur != nil && cur.Name != "" {
			cur.PITypes = uniqSorted(cur.PITypes)
			cur.ID = resolveSDK(cur.Name, cur.Company)
			p.SDKs = append(p.SDKs, *cur)
		}
		cur = nil
	}
	for _, b := range p.blocks {
		if b.kind != bRow {
			cols = nil
		}
		if b.kind == bRow {
			flush()
			if c := headerColumns(b.cells); c != nil {
				if _, ok := c["name"]; ok && (b.sec == secSDK || sdkWordRE.MatchString(strings.Join(b.cells, " "))) {
					cols = c
					continue
				}
			}
			if cols == nil {
				continue
			}
			cell := func(role string) string {
				if i, ok := cols[role]; ok && i < len(b.cells) {
					return strings.TrimSpace(b.cells[i])
				}
				return ""
			}
			s := &SDK{Name: cell("name"), Company: cell("company"), Purpose: cell("purpose"), Loc: b.loc()}
			if s.Name == "" {
				continue
			}
			piText := cell("pi")
			if _, ok := cols["pi"]; !ok {
				piText = b.text
			}
			for _, m := range findPI(piText) {
				s.PITypes = append(s.PITypes, m.typ)
			}
			cur = s
			flush()
			continue
		}
		if b.sec != secSDK {
			flush()
			continue
		}
		// Labelled lists; a paragraph may hold several "label：value" parts.
		for _, part := range splitParts(b.text) {
			switch {
			case labelNameRE.MatchString(part):
				flush()
				cur = &SDK{Name: cleanName(labelNameRE.ReplaceAllString(part, "")), Loc: b.loc()}
			case !strings.ContainsAny(part, "：:") && sdkListTitleRE.MatchString(part):
				// The list's own heading.
			case cur == nil && (b.kind == bHeading || b.kind == bItem || b.fullyHighlighted()) && sdkWordRE.MatchString(part) && !strings.ContainsAny(part, "：:，,。") && utf8.RuneCountInString(part) <= 40:
				cur = &SDK{Name: cleanName(stripNumbering(part)), Loc: b.loc()}
			case cur != nil && cur.Company == "" && labelCompanyRE.MatchString(part):
				cur.Company = strings.TrimSpace(labelCompanyRE.ReplaceAllString(part, ""))
			case cur != nil && cur.Purpose == "" && labelPurposeRE.MatchString(part):
				cur.Purpose = strings.TrimSpace(labelPurposeRE.ReplaceAllString(part, ""))
			case cur != nil && labelPIRE.MatchString(part):
				for _, m := range findPI(part) {
					cur.PITypes = append(cur.PITypes, m.typ)
				}
			case cur != nil && (b.kind == bHeading || b.kind == bItem) && sdkWordRE.MatchString(part) && !strings.ContainsAny(part, "：:，,。") && utf8.RuneCountInString(part) <= 40:
				flush()
				cur = &SDK{Name: cleanName(stripNumbering(part)), Loc: b.loc()}
			}
		}
		if b.kind == bHeading && cur != nil && !sdkWordRE.MatchString(b.text) {
			flush()
		}
		if cur == nil && b.kind != bHeading && !strings.ContainsAny(b.text, "：:") {
			for _, m := range proseSDKRE.FindAllStringSubmatch(b.text, -1) {
				name := proseVerbRE.ReplaceAllString(m[1], "")
				if utf8.RuneCountInString(name) < 2 || sdkListTitleRE.MatchString(name) {
					continue
				}
				s := SDK{Name: name + " SDK", Purpose: strings.TrimSpace(m[2]), PITypes: []string{}, Loc: b.loc()}
				s.ID = resolveSDK(s.Name, "")
				p.SDKs = append(p.SDKs, s)
			}
		}
	}
	flush()
}

// headerColumns maps the roles of a table header row to column indexes, nil
// when the row is no header.
func headerColumns(cells []string) map[string]int {
	c := map[string]int{}
	for i, h := range cells {
		h = strings.TrimSpace(h)
		if utf8.RuneCountInString(h) > 20 {
			return nil // a data row
		}
		switch {
		case hdrLinkRE.MatchString(h) && !hdrNameRE.MatchString(h):
		case hdrCompanyRE.MatchString(h):
			setOnce(c, "company", i)
		case hdrPurposeRE.MatchString(h):
			setOnce(c, "purpose", i)
		case hdrPIRE.MatchString(h) && !strings.Contains(h, "名称"):
			setOnce(c, "pi", i)
		case hdrNameRE.MatchString(h):
			setOnce(c, "name", i)
		}
	}
	if len(c) < 2 {
		return nil
	}
	i, ok := c["name"]
	if !ok {
		return nil
	}
	// A data row can look like a header ("高德地图 SDK" | "高德软件有限公司" |
	// "…信息"): a header's name cell is a label, not an SDK's name.
	if !hdrNameLabelRE.MatchString(strings.TrimSpace(cells[i])) {
		return nil
	}
	return c
}

var hdrNameLabelRE = regexp.MustCompile(`(?i)名称|^(第三方\s*)?(SDK|插件)$|^第三方$|^插件`)

func setOnce(m map[string]int, k string, v int) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func splitParts(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '；' || r == ';' || r == '。' })
	for i := range parts {
		parts[i] = strings.TrimSpace(stripBullet(parts[i]))
	}
	return parts
}

func stripBullet(s string) string {
	return strings.TrimLeft(s, "•·-*● ")
}

func cleanName(s string) string {
	return strings.Trim(strings.TrimSpace(s), "“”\"《》【】")
}

// sdkToken is one distinctive word of a kb SDK's name.
type sdkToken struct {
	tok string // squeezed, lower-case
	n   int    // runes
}

type sdkEntry struct {
	sdk     *kb.SDK
	name    string // squeezed name
	tokens  []sdkToken
	company string // squeezed company without its parenthesised part
}

var (
	sdkTableOnce sync.Once
	sdkTable     []sdkEntry
	// stopTokens are generic words of SDK names that identify nothing.
	stopTokens = map[string]bool{
		"sdk": true, "广告": true, "统计": true, "推送": true, "一键登录": true, "一键认证": true, "服务": true,
		"组件": true, "核心": true, "客服": true, "支付": true, "地图": true, "定位": true, "分享": true,
		"登录": true, "认证": true, "聚合广告": true, "设备标识": true, "热修复": true, "core": true,
		"ads": true, "analytics": true, "push": true, "kit": true, "library": true, "mobile": true,
		"android": true, "ios": true, "app": true, "sdkcore": true, "client": true, "services": true,
		"service": true, "retired": true, "legacy": true, "platform": true, "api": true, "open": true,
	}
)

func sdkEntries() []sdkEntry {
	sdkTableOnce.Do(func() {
		all := kb.Index().SDKs()
		for i := range all {
			s := &all[i]
			e := sdkEntry{sdk: s, name: squeeze(s.Name)}
			co := s.Company
			if i := strings.IndexAny(co, "（("); i > 0 {
				co = co[:i]
			}
			e.company = squeeze(co)
			seen := map[string]bool{}
			add := func(t string) {
				t = squeeze(t)
				n := utf8.RuneCountInString(t)
				if seen[t] || stopTokens[t] || n < 2 || (t[0] < utf8.RuneSelf && n < 3) {
					return
				}
				seen[t] = true
				e.tokens = append(e.tokens, sdkToken{t, n})
			}
			for _, f := range strings.FieldsFunc(s.Name, func(r rune) bool {
				return strings.ContainsRune(" （）()/、,，|", r)
			}) {
				add(f)
			}
			if !strings.Contains(s.ID, "-") && len(s.ID) >= 4 {
				add(s.ID)
			}
			sdkTable = append(sdkTable, e)
		}
	})
	return sdkTable
}

// resolveSDK finds the kb SDK id a listed name (and company) refers to,
// "" when none or several match equally well.
func resolveSDK(name, company string) string {
	sq := squeeze(name)
	n := strings.ReplaceAll(sq, "sdk", "")
	c := squeeze(company)
	if utf8.RuneCountInString(n) < 2 {
		return ""
	}
	best, bestID, tie := 0, "", false
	for _, e := range sdkEntries() {
		score := 0
		if e.name == sq {
			score = 1000
		}
		for _, t := range e.tokens {
			switch {
			case strings.Contains(n, t.tok):
				score = max(score, t.n*2)
			case utf8.RuneCountInString(n) >= 3 && strings.Contains(t.tok, n):
				score = max(score, utf8.RuneCountInString(n)*2-1)
			}
		}
		if score == 0 {
			continue
		}
		if c != "" && e.company != "" && commonPrefixRunes(c, e.company) >= 4 {
			score++
		}
		switch {
		case score > best:
			best, bestID, tie = score, e.sdk.ID, false
		case score == best:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return bestID
}

func commonPrefixRunes(a, b string) int {
	n := 0
	for a != "" && b != "" {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		n++
		a, b = a[sa:], b[sb:]
	}
	return n
}

// DeclaresSDK reports whether the policy declares the kb SDK: its list has
// an entry resolved to id, or the text names the SDK by a distinctive word
// of its kb name.
func (p *Policy) DeclaresSDK(id string) bool {
	return p.NamesSDK(id, "", "")
}

// NamesSDK is DeclaresSDK that also accepts the SDK's name and company as
// found elsewhere (an app's detected SDK), for SDKs kb does not know. It
// has the signature units/auto.Policy.DeclaresSDK expects.
func (p *Policy) NamesSDK(id, name, company string) bool {
	for _, s := range p.SDKs {
		if id != "" && s.ID == id {
			return true
		}
	}
	text := p.squeezed()
	if id != "" {
		for _, e := range sdkEntries() {
			if e.sdk.ID != id {
				continue
			}
			for _, t := range e.tokens {
				if (t.n >= 3 || (t.tok[0] >= utf8.RuneSelf && t.n >= 2 && len(e.tokens) == 1)) && strings.Contains(text, t.tok) {
					return true
				}
			}
		}
	}
	if n := strings.ReplaceAll(squeeze(name), "sdk", ""); utf8.RuneCountInString(n) >= 3 && strings.Contains(text, n) {
		return true
	}
	if c := squeeze(company); utf8.RuneCountInString(c) >= 6 && strings.Contains(text, c) {
		return true
	}
	return false
}

func (p *Policy) squeezed() string {
	if p.sq == "" {
		var sb strings.Builder
		for _, b := range p.blocks {
			sb.WriteString(squeeze(b.text))
			sb.WriteByte('\n')
		}
		p.sq = sb.String()
	}
	return p.sq
}
