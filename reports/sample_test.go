package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

var (
	cst = time.FixedZone("CST", 8*3600)
	t0  = time.Date(2025, 3, 14, 9, 30, 0, 0, cst)
)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func ans(unit, step string, v units.Answer, m units.Method, by, src, note string, refs ...evidence.Ref) units.StepAnswer {
	return units.StepAnswer{Unit: unit, Step: step, Value: v, Method: m, By: by, Source: src, Note: note, Evidence: refs, At: at(600)}
}

// step builds a StepResult from its answers; the first answer counts.
func step(n, text string, methods []units.Method, all ...units.StepAnswer) units.StepResult {
	s := units.StepResult{N: n, Text: text, Methods: methods, Answer: units.Unknown, All: all}
	if len(all) > 0 {
		c := all[0]
		s.Counted = &c
		s.Answer = c.Value
		for _, a := range all[1:] {
			if a.Value != c.Value && a.Value != units.Unknown {
				s.Conflict = true
			}
		}
	}
	return s
}

var (
	mTech = []units.Method{units.TechnicalTest, units.FunctionalCheck}
	mDoc  = []units.Method{units.DocumentReview}
	mInt  = []units.Method{units.Interview, units.DocumentReview}
)

// sampleJudgement is a small, hand-made judgement that exercises every part
// of a report: all four verdicts, a conflict between methods, an unanswered
// step, an applicability question, advisory units and evidence references.
func sampleJudgement() *units.Judgement {
	flow12 := evidence.Ref{Kind: evidence.RefFlow, ID: "12", Label: "POST api.example-ads.com /v1/collect"}
	flow31 := evidence.Ref{Kind: evidence.RefFlow, ID: "31", Label: "GET stat.example.cn"}
	perm := evidence.Ref{Kind: evidence.RefManifest, ID: "uses-permission/android.permission.READ_PHONE_STATE", Label: "读取设备标识"}
	policy := evidence.Ref{Kind: evidence.RefPolicy, ID: "policy.html#s3", Label: "隐私政策 第三节"}
	us := []units.UnitResult{
		{
			ID: "PIC-01", Category: "PIC", Item: "6.1.1.1", Verdict: units.Pass,
			Requirement: "App 中不应存在以欺诈、诱骗、误导的方式收集个人信息的情况。",
			Rule:        "如果 1）为肯定，2）、3）为否定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看 App 提供者的个人信息安全相关管理制度，是否明确要求 App 不得以欺诈、诱骗、误导的方式收集个人信息；", mDoc,
					ans("PIC-01", "1", units.Yes, units.DocumentReview, "张三", "answers.yaml:4", "《个人信息保护制度》第 2.1 条")),
				step("2", "查看 App 隐私政策，是否存在以欺诈、诱骗、误导的方式描述收集个人信息的行为；", mDoc,
					ans("PIC-01", "2", units.No, units.DocumentReview, "张三", "answers.yaml:5", "", policy)),
				step("3", "通过功能验证、技术检测查看 App 是否存在以欺诈、诱骗、误导的方式收集个人信息的行为。", mTech,
					ans("PIC-01", "3", units.No, units.FunctionalCheck, "李四", "answers.yaml:6", "")),
			},
			Reason: "步骤 1 为肯定，步骤 2、3 为否定。",
		},
		{
			ID: "PIC-02", Category: "PIC", Item: "6.1.1.2", Verdict: units.Fail,
			Requirement: "App 不应隐瞒自身所具有的收集个人信息的业务功能；",
			Rule:        "如果 1）为否定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "比较隐私政策所述与实际收集的个人信息，判断 App 是否存在未说明的收集个人信息的业务功能。", mTech,
					ans("PIC-02", "1", units.Yes, units.TechnicalTest, "ceping:undeclared-pi", "auto:undeclared-pi", "发送了隐私政策未声明的 IMEI", flow12, perm),
					ans("PIC-02", "1", units.No, units.DocumentReview, "张三", "answers.yaml:9", "政策已覆盖全部功能")),
			},
			Reason: "步骤 1 为肯定（技术检测与文档审查不一致，按采信顺序取技术检测）。",
		},
		{
			ID: "PIC-03", Category: "PIC", Item: "6.1.1.3", Verdict: units.Pending,
			Requirement: "App 提供者不应从非法渠道获取个人信息；",
			Rule:        "如果 1）、2）为肯定，3）为否定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看 App 提供者的个人信息安全相关管理制度，是否明确要求不得从非法渠道获取个人信息；", mDoc,
					ans("PIC-03", "1", units.Yes, units.DocumentReview, "张三", "answers.yaml:12", "")),
				step("2", "访谈 App 运营相关人员，询问获取个人信息的渠道是否合法；", mInt),
				step("3", "是否存在被监管部门认定为存在违法违规收集个人信息行为且未进行整改。", mDoc,
					ans("PIC-03", "3", units.No, units.DocumentReview, "张三", "answers.yaml:13", "")),
			},
			Reason: "步骤 2 未知，无法判定。",
		},
		{
			ID: "PIC-04", Category: "PIC", Item: "6.1.2.1", Verdict: units.Fail,
			Requirement: "App 强制收集的个人信息的类型应是保障其基本服务类型正常运行最少够用的个人信息；",
			Rule:        "如果 1）、2）均为否定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看 App 是否强制收集必要个人信息范围外的其他个人信息；", mTech,
					ans("PIC-04", "1", units.Yes, units.TechnicalTest, "ceping:before-consent", "auto:before-consent", "同意前发送设备标识", flow12, flow31)),
				step("2", "通过功能验证、技术检测查看 App 是否强制用户打开非必要权限。", mTech,
					ans("PIC-04", "2", units.No, units.FunctionalCheck, "李四", "answers.yaml:16", "")),
			},
			Reason: "步骤 1 为肯定。",
		},
		{
			ID: "PIC-05", Category: "PIC", Item: "6.1.2.1", Verdict: units.Pass,
			Requirement: "App 收集的个人信息的类型应与实现其业务功能有直接关联；",
			Rule:        "如果 1）为否定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看 App 是否收集与业务功能无直接关联的个人信息。", mTech,
					ans("PIC-05", "1", units.No, units.FunctionalCheck, "李四", "answers.yaml:18", "")),
			},
			Reason: "步骤 1 为否定。",
		},
		{
			ID: "EPI-10", Category: "EPI", Item: "6.5.2.4", Verdict: units.NotApplies,
			Requirement: "App 提供者在共享、转让个人信息时，应通过合同等方式规定数据接收方的责任和义务。",
			Rule:        "如果 1）为否定，则本测评单元为不适用；如果 1）、2）为肯定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看 App 提供者是否存在共享、转让个人信息的行为；", mInt,
					ans("EPI-10", "1", units.No, units.Interview, "王五", "answers.yaml:21", "")),
				step("2", "查看 App 提供者的数据共享、转让合同或协议。", mDoc),
			},
			Reason: "步骤 1 为否定：不适用。",
		},
		{
			ID: "PIS-09", Category: "PIS", Item: "6.2.3.1", Verdict: units.Fail, Advisory: true,
			Requirement: "App 提供者宜对个人信息进行去标识化处理。",
			Rule:        "如果 A 为肯定且 1）为肯定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("A", "App 是否在境内存储个人信息？", mInt,
					ans("PIS-09", "A", units.Yes, units.Interview, "王五", "answers.yaml:24", "")),
				step("1", "查看是否采取去标识化措施。", mDoc,
					ans("PIS-09", "1", units.No, units.ServerCheck, "王五", "answers.yaml:25", "数据库中明文存储手机号")),
			},
			Reason: "步骤 1 为否定。",
		},
		{
			ID: "PIS-10", Category: "PIS", Item: "6.2.3.2", Verdict: units.Pass, Advisory: true,
			Requirement: "App 提供者宜定期开展个人信息安全影响评估。",
			Rule:        "如果 1）为肯定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
			Steps: []units.StepResult{
				step("1", "查看个人信息安全影响评估报告。", mDoc,
					ans("PIS-10", "1", units.Yes, units.DocumentReview, "张三", "answers.yaml:27", "")),
			},
			Reason: "步骤 1 为肯定。",
		},
	}
	items := []units.ItemResult{
		{Number: "6.1.1.1", Clause: "5.1 a)", Category: "PIC", SectionTitle: "收集个人信息的合法性的测评", Units: []string{"PIC-01"}, Verdict: units.Pass},
		{Number: "6.1.1.2", Clause: "5.1 b)", Category: "PIC", SectionTitle: "收集个人信息的合法性的测评", Units: []string{"PIC-02"}, Verdict: units.Fail},
		{Number: "6.1.1.3", Clause: "5.1 c)", Category: "PIC", SectionTitle: "收集个人信息的合法性的测评", Units: []string{"PIC-03"}, Verdict: units.Pending},
		{Number: "6.1.2.1", Clause: "5.2 a)", Category: "PIC", SectionTitle: "收集个人信息的最小必要的测评", Units: []string{"PIC-04", "PIC-05"}, Verdict: units.Fail},
		{Number: "6.5.2.4", Clause: "9.2 d)", Category: "EPI", SectionTitle: "个人信息共享、转让的测评", Units: []string{"EPI-10"}, Verdict: units.NotApplies},
		{Number: "6.2.3.1", Clause: "6.3 a)", Category: "PIS", SectionTitle: "个人信息的展示与去标识化的测评", Units: []string{"PIS-09"}, Advisory: true, Verdict: units.Fail},
		{Number: "6.2.3.2", Clause: "6.3 b)", Category: "PIS", SectionTitle: "个人信息的展示与去标识化的测评", Units: []string{"PIS-10"}, Advisory: true, Verdict: units.Pass},
	}
	return &units.Judgement{
		Units: us,
		Items: items,
		Summary: units.Summary{
			Units:       map[units.Verdict]int{units.Pass: 2, units.Fail: 2, units.NotApplies: 1, units.Pending: 1},
			Items:       map[units.Verdict]int{units.Pass: 1, units.Fail: 2, units.NotApplies: 1, units.Pending: 1},
			Advisory:    map[units.Verdict]int{units.Pass: 1, units.Fail: 1, units.NotApplies: 0, units.Pending: 0},
			Applicable:  4,
			PassedItems: 1,
			Rate:        0.25,
			Verdict:     units.Fail,
		},
	}
}

func sampleMeta() Meta {
	return Meta{
		Subject: Subject{Name: "示例天气", Version: "3.2.1 (321)", Platform: "android", Package: "com.example.weather", Operator: "示例科技有限公司"},
		Org:     "某某测评中心",
		Testers: []string{"张三", "李四", "王五"},
		Environment: Environment{
			Place: "北京市海淀区某某路 1 号 实验室 2", Start: t0, End: t0.Add(2*time.Hour + 15*time.Minute),
			Tools:  []Tool{{Name: "ceping", Version: "0.9.0"}, {Name: "tshark", Version: "4.4.1"}, {Name: "apksigner", Version: "34.0.0"}},
			Device: "Google Pixel 6", OS: "Android 13 (TQ3A.230805.001)",
		},
		Scope:         "Android 版全部 157 个测评单元；功能：注册登录、天气查询、定位、消息推送",
		GeneratedAt:   t0.Add(3 * time.Hour),
		CepingVersion: "0.9.0",
	}
}

func sampleEvidence() *Evidence {
	return &Evidence{
		PIBeforeConsent: []FindingRow{
			{Time: at(4.2), PIType: "imei", Masked: "8612****5678", Host: "api.example-ads.com", FlowID: 12, Encoding: "md5", Where: "body:device.id"},
			{Time: at(5.9), PIType: "android_id", Masked: "9f3c****a1b2", Host: "stat.example.cn", FlowID: 31, Encoding: "plain", Where: "query:aid"},
		},
		CrossBorder: []CrossBorderRow{
			{Host: "api.example-ads.com", IPs: []string{"203.0.113.7", "203.0.113.8"}, Country: "US", PITypes: []string{"imei", "location"}, Flows: []int64{12, 40}, Bytes: 18432, First: at(4.2), Phase: "before-consent"},
		},
		ThirdPartySDKs: []SDKRow{
			{Name: "示例推送 SDK", Version: "5.1.0", Provider: "示例推送公司", Purpose: "消息推送", PICollected: []string{"设备标识", "网络信息"}, Frequency: "每次启动", Permissions: []string{"android.permission.READ_PHONE_STATE", "android.permission.ACCESS_NETWORK_STATE"}, Present: true, Active: true},
			{Name: "Example Ads", Provider: "Example Ads Inc.", PICollected: []string{"imei", "location"}, Permissions: []string{"android.permission.ACCESS_FINE_LOCATION"}, Present: true, Active: false},
		},
		Permissions: []PermissionRow{
			{Name: "android.permission.READ_PHONE_STATE", PITypes: []string{"imei", "imsi"}, Sensitive: true, Protection: "dangerous"},
			{Name: "android.permission.INTERNET", Protection: "normal"},
		},
		Frequency: []FrequencyRow{
			{PIType: "location", Host: "api.example-ads.com", Phase: "background", Count: 120, IntervalSeconds: 30, Reference: "隐私政策：每小时 1 次", Exceeded: true},
			{PIType: "oaid", Host: "stat.example.cn", Phase: "after-consent", Count: 3, IntervalSeconds: 600, Reference: "", Exceeded: false},
		},
		Opaque: []OpaqueRow{{FlowID: 55, Host: "log.example.cn", Where: "body", Size: 4096, Entropy: 7.92, Reason: "未知的加密或压缩"}},
		Timeline: &Timeline{
			Start: t0, End: at(120),
			Markers: []TimelineMarker{
				{Time: at(1), Kind: "app-start"}, {Time: at(3), Kind: "consent-shown"},
				{Time: at(30), Kind: "consent"}, {Time: at(60), Kind: "feature-start", Arg: "定位"},
				{Time: at(90), Kind: "background"},
			},
			Flows: []TimelineFlow{
				{ID: 10, Time: at(2), Host: "config.example.cn"}, {ID: 12, Time: at(4.2), Host: "api.example-ads.com", PI: true},
				{ID: 31, Time: at(5.9), Host: "stat.example.cn", PI: true}, {ID: 33, Time: at(35), Host: "config.example.cn"},
				{ID: 40, Time: at(62), Host: "api.example-ads.com", PI: true}, {ID: 55, Time: at(95), Host: "log.example.cn"},
			},
			Findings: []TimelineFinding{
				{Time: at(4.2), PIType: "imei", FlowID: 12}, {Time: at(5.9), PIType: "android_id", FlowID: 31},
				{Time: at(62), PIType: "location", FlowID: 40},
			},
		},
		GeoCredit: "IP 地理位置数据：This site or product includes IP2Location LITE data available from https://lite.ip2location.com.",
	}
}

func sampleReport() *Report {
	return &Report{Meta: sampleMeta(), Judgement: sampleJudgement(), Evidence: sampleEvidence()}
}

// hostile are strings that try to break out of every format.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</style><svg onload=alert(1)>`,
	"| ** [x](javascript:alert(1)) `code` <b>bold</b> &amp; ~~s~~ # h",
	"\x1b[2J\x1b[31mRED\x1b[0m\x1b]0;title\x07",
	"abc\u202Eexe.txt",
	"nul\x00byte\x7f\u0085",
	"line1\nline2\r\n\t| cell",
	"\xff\xfe invalid utf-8",
	strings.Repeat("很长的字符串", 400),
}

// hostileReport puts hostile strings into every string field.
func hostileReport() *Report {
	h := func(i int) string { return hostile[i%len(hostile)] }
	i := 0
	n := func() string { i++; return h(i) + " #" + strconv.Itoa(i) }
	r := sampleReport()
	m := &r.Meta
	m.Subject = Subject{Name: n(), Version: n(), Platform: n(), Package: n(), Operator: n()}
	m.Org, m.Testers, m.Scope, m.CepingVersion = n(), []string{n(), n()}, n(), n()
	m.Environment.Place, m.Environment.Device, m.Environment.OS = n(), n(), n()
	m.Environment.Tools = []Tool{{Name: n(), Version: n()}}
	j := r.Judgement
	for k := range j.Units {
		u := &j.Units[k]
		u.Requirement, u.Rule, u.Reason = n(), n(), n()
		for s := range u.Steps {
			st := &u.Steps[s]
			st.Text = n()
			for a := range st.All {
				an := &st.All[a]
				an.Note, an.By, an.Source = n(), n(), n()
				an.Evidence = append(an.Evidence, evidence.Ref{Kind: evidence.RefKind(n()), ID: n(), Label: n()})
			}
			if len(st.All) > 0 {
				c := st.All[0]
				st.Counted = &c
			}
		}
	}
	for k := range j.Items {
		j.Items[k].SectionTitle, j.Items[k].Clause = n(), n()
	}
	j.Problems = []string{n(), n()}
	e := r.Evidence
	for k := range e.PIBeforeConsent {
		f := &e.PIBeforeConsent[k]
		f.PIType, f.Masked, f.Host, f.Encoding, f.Where = n(), n(), n(), n(), n()
	}
	for k := range e.CrossBorder {
		c := &e.CrossBorder[k]
		c.Host, c.IPs, c.Country, c.PITypes, c.Phase = n(), []string{n()}, n(), []string{n()}, n()
	}
	for k := range e.ThirdPartySDKs {
		s := &e.ThirdPartySDKs[k]
		s.Name, s.Version, s.Provider, s.Purpose, s.Frequency = n(), n(), n(), n(), n()
		s.PICollected, s.Permissions = []string{n()}, []string{n(), n()}
	}
	for k := range e.Permissions {
		p := &e.Permissions[k]
		p.Name, p.PITypes, p.Protection = n(), []string{n()}, n()
	}
	for k := range e.Frequency {
		f := &e.Frequency[k]
		f.PIType, f.Host, f.Phase, f.Reference = n(), n(), n(), n()
	}
	for k := range e.Opaque {
		o := &e.Opaque[k]
		o.Host, o.Where, o.Reason = n(), n(), n()
	}
	for k := range e.Timeline.Markers {
		e.Timeline.Markers[k].Kind, e.Timeline.Markers[k].Arg = n(), n()
	}
	for k := range e.Timeline.Flows {
		e.Timeline.Flows[k].Host = n()
	}
	for k := range e.Timeline.Findings {
		e.Timeline.Findings[k].PIType = n()
	}
	e.GeoCredit = n()
	return r
}

// fullJudgement builds a judgement of the catalog's size (157 units in 146
// items, 7 categories) with varied verdicts, answers, conflicts and
// evidence, for benchmarks and scale tests.
func fullJudgement() *units.Judgement {
	cats := []struct {
		id string
		n  int
	}{{"PIC", 32}, {"PIS", 13}, {"UPI", 20}, {"RPI", 22}, {"EPI", 40}, {"HPI", 18}, {"PIO", 12}}
	verdicts := []units.Verdict{units.Pass, units.Fail, units.NotApplies, units.Pending}
	j := &units.Judgement{Summary: units.Summary{
		Units: map[units.Verdict]int{}, Items: map[units.Verdict]int{}, Advisory: map[units.Verdict]int{},
	}}
	k := 0
	for ci, c := range cats {
		for i := 1; i <= c.n; i++ {
			k++
			id := fmt.Sprintf("%s-%02d", c.id, i)
			item := fmt.Sprintf("6.%d.%d.%d", ci+1, (i-1)/5+1, (i-1)%5+1)
			if k%14 == 0 && i > 1 {
				item = j.Units[len(j.Units)-1].Item // 11 items hold two units: 146 items
			}
			v := verdicts[k%len(verdicts)]
			adv := k%9 == 0
			u := units.UnitResult{ID: id, Category: c.id, Item: item, Advisory: adv, Verdict: v,
				Requirement: "App 应当" + strings.Repeat("按照要求处理个人信息，", 3),
				Rule:        "如果 1）、2）为肯定，则符合本测评单元指标要求，否则不符合本测评单元指标要求。",
				Reason:      "步骤 1、2 为肯定。"}
			for s := 1; s <= 2+k%4; s++ {
				n := strconv.Itoa(s)
				a1 := ans(id, n, units.Yes, units.TechnicalTest, "ceping:auto", "auto:x", "自动判定",
					evidence.Ref{Kind: evidence.RefFlow, ID: strconv.Itoa(k*10 + s), Label: "POST host" + strconv.Itoa(s) + ".example.cn"})
				all := []units.StepAnswer{a1}
				if (k+s)%7 == 0 {
					all = append(all, ans(id, n, units.No, units.DocumentReview, "张三", "answers.yaml:"+strconv.Itoa(k), "文档审查结论"))
				}
				u.Steps = append(u.Steps, step(n, "查看 App 是否按照要求处理个人信息（步骤 "+n+"）；", mTech, all...))
			}
			j.Units = append(j.Units, u)
			it := units.ItemResult{Number: item, Clause: fmt.Sprintf("%d.%d a)", ci+5, i), Category: c.id, SectionTitle: "测评", Units: []string{id}, Advisory: adv, Verdict: v}
			if n := len(j.Items); n > 0 && j.Items[n-1].Number == item {
				j.Items[n-1].Units = append(j.Items[n-1].Units, id)
			} else {
				j.Items = append(j.Items, it)
			}
			if adv {
				j.Summary.Advisory[v]++
			} else {
				j.Summary.Units[v]++
			}
		}
	}
	for _, it := range j.Items {
		if !it.Advisory {
			j.Summary.Items[it.Verdict]++
		}
	}
	s := &j.Summary
	s.Applicable = s.Items[units.Pass] + s.Items[units.Fail] + s.Items[units.Pending]
	s.PassedItems = s.Items[units.Pass]
	s.Rate = float64(s.PassedItems) / float64(s.Applicable)
	s.Verdict = units.Fail
	return j
}

func fullReport() *Report {
	r := sampleReport()
	r.Judgement = fullJudgement()
	return r
}
