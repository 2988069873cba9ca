package policy

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ceping/ceping/kb"
)

var (
	basicGroupRE    = regexp.MustCompile(`基本(业务)?功能|核心(业务)?功能|必要(业务)?功能`)
	extendedGroupRE = regexp.MustCompile(`扩展(业务)?功能|拓展(业务)?功能|附加(业务)?功能|可选(业务)?功能|其他(业务)?功能`)
	// "在您使用X功能时" / "当您注册账号时": a function named in a sentence.
	useFuncRE = regexp.MustCompile(`(?:在|当)您(?:使用|开启|进行|选择|参与|通过|申请|发布|浏览|访问)?\s*[“"「『]?([^，,。；;：:“”"「」『』]{2,20}?)[”"」』]?\s*(?:功能|服务|业务)?\s*(?:时|的过程中|期间)`)
	// "（1）账号注册与登录：…" — an item that names its function.
	labelFuncRE = regexp.MustCompile(`^(?:[（(]?[0-9一二三四五六七八九十]{1,3}[)）、.．]\s*)?([^，,。；;：:]{2,20})[：:]`)
	purposeRE   = regexp.MustCompile(`(?:用于|用以|以便于|以便|目的是|为了|旨在|以实现|以保障)\s*([^，,。；;]{2,40})|为((?:满足|保障|确保|实现|向您提供|提供|提升|改善|保证|完成)[^，,。；;]{2,40})|(?:信息|号码|数据|照片)(?:进行|以)([^，,。；;]{2,20})`)
	vagueRE     = regexp.MustCompile(`包括但不限于|例如|比如|诸如|如：`)
	negatedRE   = regexp.MustCompile(`(?:不会|不得|不再|不|未|无需|无须|并不)(?:会)?(?:主动)?(?:收集|获取|读取|访问|使用|要求|申请|调用)`)
)

// piSections are the section kinds whose text declares collected PI; the
// rights, contact, storage… sections name PI only to talk about it.
var piSections = map[string]bool{"": true, secCollect: true, secSDK: true, secShare: true, secCookie: true, secTransfer: true}

func (p *Policy) extractPI() {
	var all []string
	var fn *Function // current function (from a heading)
	group, groupLevel := "", 0
	funcs := []*Function{}
	byName := map[string]*Function{}
	getFunc := func(name string, b *block) *Function {
		name = strings.Trim(strings.TrimSpace(name), "“”\"「」『』")
		if f := byName[name]; f != nil {
			return f
		}
		f := &Function{Name: name, Kind: group, Loc: b.loc()}
		byName[name] = f
		funcs = append(funcs, f)
		return f
	}
	sens := map[string]*SensitiveMention{}
	inCollect, rootLevel := false, 0
	var unattributed []string
	vagueSeen := map[*block]bool{}
	for _, b := range p.blocks {
		if b.kind == bHeading {
			if groupLevel > 0 && b.level <= groupLevel {
				group, groupLevel = "", 0
			}
			fn = nil
			if b.sec != secCollect {
				inCollect = false
				continue
			}
			title := stripNumbering(b.text)
			switch {
			case !inCollect || b.level <= rootLevel:
				// The collection section's own heading ("我们如何收集
				// 和使用您的个人信息", "我们收集的信息").
				inCollect, rootLevel = true, b.level
				group, groupLevel = "", 0
			case basicGroupRE.MatchString(title) && utf8.RuneCountInString(title) <= 16:
				group, groupLevel = "basic", b.level
			case extendedGroupRE.MatchString(title) && utf8.RuneCountInString(title) <= 16:
				group, groupLevel = "extended", b.level
			default:
				fn = getFunc(title, b)
			}
			continue
		}
		if !piSections[b.sec] {
			continue
		}
		matches := findPI(b.text)
		// Drop declarations in negated sentences ("我们不会收集您的通讯录").
		kept := matches[:0]
		for _, m := range matches {
			ss, _ := sentenceBounds(b.text, m.start)
			if neg := negatedRE.FindStringIndex(b.text[ss:m.start]); neg != nil {
				continue
			}
			kept = append(kept, m)
		}
		matches = kept
		for _, m := range matches {
			all = append(all, m.typ)
			if kb.PITypeSensitive[m.typ] {
				hl := b.highlighted(m.start, m.end)
				s := sens[m.typ]
				if s == nil {
					s = &SensitiveMention{PIType: m.typ, Highlighted: hl, Loc: b.loc()}
					sens[m.typ] = s
				} else if hl && !s.Highlighted {
					s.Highlighted, s.Loc = true, b.loc()
				}
			}
		}
		// Vague enumerations.
		if len(matches) > 0 && !vagueSeen[b] {
			if at := vagueAt(b.text, matches); at >= 0 {
				vagueSeen[b] = true
				p.Vague = append(p.Vague, *factAt(b, "", at))
				p.Vague[len(p.Vague)-1].Value = sentence(b.text, at)
			}
		}
		if b.sec != secCollect {
			continue
		}
		// Attribute the block's PI to functions: the heading's function,
		// or functions named in the text ("当您使用X功能时").
		type seg struct {
			f     *Function
			start int
		}
		var segs []seg
		if fn != nil {
			segs = append(segs, seg{fn, 0})
		} else if m := labelFuncRE.FindStringSubmatch(b.text); m != nil && (b.kind == bItem || group != "" || numbered(b.text)) && !strings.Contains(m[1], "个人信息") {
			segs = append(segs, seg{getFunc(m[1], b), 0})
		} else {
			for _, m := range useFuncRE.FindAllStringSubmatchIndex(b.text, -1) {
				name := b.text[m[2]:m[3]]
				segs = append(segs, seg{getFunc(name, b), m[0]})
			}
		}
		covered := len(b.text)
		if len(segs) > 0 {
			covered = segs[0].start
		}
		for _, m := range matches {
			if m.start < covered {
				unattributed = append(unattributed, m.typ)
			}
		}
		for i, sg := range segs {
			end := len(b.text)
			if i+1 < len(segs) {
				end = segs[i+1].start
			}
			part := b.text[sg.start:end]
			for _, m := range matches {
				if m.start >= sg.start && m.start < end {
					sg.f.PITypes = append(sg.f.PITypes, m.typ)
				}
			}
			for _, pm := range purposeRE.FindAllStringSubmatch(part, -1) {
				pur := strings.TrimSpace(pm[1] + pm[2] + pm[3])
				if !has(sg.f.Purposes, pur) && len(sg.f.Purposes) < 6 {
					sg.f.Purposes = append(sg.f.Purposes, pur)
				}
			}
			var ms []piMatch
			for _, m := range matches {
				if m.start >= sg.start && m.start < end {
					ms = append(ms, piMatch{m.typ, m.start - sg.start, m.end - sg.start})
				}
			}
			if vagueAt(part, ms) >= 0 {
				sg.f.Vague = true
			}
		}
	}
	p.Functions = []Function{}
	for _, f := range funcs {
		f.PITypes = uniqSorted(f.PITypes)
		if f.Purposes == nil {
			f.Purposes = []string{}
		}
		if len(f.PITypes) > 0 {
			p.Functions = append(p.Functions, *f)
		}
	}
	p.PITypes = uniqSorted(all)
	p.Unattributed = uniqSorted(unattributed)
	p.Sensitive = []SensitiveMention{}
	for _, s := range sens {
		p.Sensitive = append(p.Sensitive, *s)
	}
	sort.Slice(p.Sensitive, func(i, j int) bool { return p.Sensitive[i].PIType < p.Sensitive[j].PIType })
	p.extractPermissions()
}

// vagueAt returns the offset of a vague marker in an enumeration of PI: "等"
// right after a PI term, or 例如 / 包括但不限于 in a sentence that lists PI.
// It returns -1 when the enumeration is exhaustive.
func vagueAt(text string, ms []piMatch) int {
	for _, m := range ms {
		rest := strings.TrimLeft(text[m.end:], " ）)】]”\"")
		if strings.HasPrefix(rest, "等") {
			next, _ := utf8.DecodeRuneInString(rest[len("等"):])
			if !strings.ContainsRune("级待同于候", next) {
				return m.end
			}
		}
	}
	for _, loc := range vagueRE.FindAllStringIndex(text, -1) {
		ss, se := sentenceBounds(text, loc[0])
		for _, m := range ms {
			if m.start >= ss && m.start < se {
				return loc[0]
			}
		}
	}
	return -1
}

var (
	permNameRE    = regexp.MustCompile(`(?:android\.permission\.)?\b([A-Z][A-Z_]{3,})\b`)
	permChineseRE = regexp.MustCompile(`(后台定位|后台位置|位置|定位|地理位置|相机|摄像头|拍照|麦克风|录音|通讯录|联系人|存储|读写|文件|电话|设备信息|读取手机状态|短信|通话记录|日历|相册|照片|媒体|身体传感器|传感器|活动识别|健身运动|蓝牙|附近设备|应用列表|软件安装列表|安装应用列表)(?:信息)?(?:的)?(?:访问|读取|使用|读写|调用|获取)?权限`)
)

// chinesePermissions maps the Chinese name of a permission group, as
// policies write it ("位置权限"), to the Android permissions it covers.
var chinesePermissions = map[string][]string{
	"后台定位": {"ACCESS_BACKGROUND_LOCATION"}, "后台位置": {"ACCESS_BACKGROUND_LOCATION"},
	"位置": {"ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"}, "定位": {"ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"},
	"地理位置": {"ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION"},
	"相机":   {"CAMERA"}, "摄像头": {"CAMERA"}, "拍照": {"CAMERA"},
	"麦克风": {"RECORD_AUDIO"}, "录音": {"RECORD_AUDIO"},
	"通讯录": {"READ_CONTACTS"}, "联系人": {"READ_CONTACTS"},
	"存储": {"READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"}, "读写": {"READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"},
	"文件": {"READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"},
	"电话": {"READ_PHONE_STATE"}, "设备信息": {"READ_PHONE_STATE"}, "读取手机状态": {"READ_PHONE_STATE"},
	"短信": {"READ_SMS"}, "通话记录": {"READ_CALL_LOG"}, "日历": {"READ_CALENDAR"},
	"相册": {"READ_EXTERNAL_STORAGE", "READ_MEDIA_IMAGES"}, "照片": {"READ_EXTERNAL_STORAGE", "READ_MEDIA_IMAGES"},
	"媒体":    {"READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO"},
	"身体传感器": {"BODY_SENSORS"}, "传感器": {"BODY_SENSORS"},
	"活动识别": {"ACTIVITY_RECOGNITION"}, "健身运动": {"ACTIVITY_RECOGNITION"},
	"蓝牙": {"BLUETOOTH_CONNECT", "BLUETOOTH_SCAN"}, "附近设备": {"BLUETOOTH_CONNECT", "BLUETOOTH_SCAN", "NEARBY_WIFI_DEVICES"},
	"应用列表": {"QUERY_ALL_PACKAGES"}, "软件安装列表": {"QUERY_ALL_PACKAGES"}, "安装应用列表": {"QUERY_ALL_PACKAGES"},
}

func (p *Policy) extractPermissions() {
	var perms []string
	add := func(short string) {
		name := "android.permission." + short
		if _, ok := kb.LookupPermission(name); ok {
			perms = append(perms, name)
		}
	}
	for _, b := range p.blocks {
		if !piSections[b.sec] {
			continue
		}
		if hasUpperRun(b.text) {
			for _, m := range permNameRE.FindAllStringSubmatch(b.text, -1) {
				add(m[1])
			}
		}
		if !strings.Contains(b.text, "权限") {
			continue
		}
		for _, m := range permChineseRE.FindAllStringSubmatchIndex(b.text, -1) {
			s := sentence(b.text, m[0])
			if neg := negatedRE.FindStringIndex(s); neg != nil {
				continue
			}
			for _, short := range chinesePermissions[b.text[m[2]:m[3]]] {
				add(short)
			}
		}
	}
	p.Permissions = uniqSorted(perms)
}

// numbered reports whether text starts with list numbering ("1、", "（2）").
func numbered(text string) bool {
	for _, re := range numberingRE[1:] {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// hasUpperRun reports whether s has four upper-case ASCII letters in a row,
// the least a permission name has.
func hasUpperRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c == '_' {
			n++
			if n >= 4 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}
