package policy

import (
	"fmt"
	"strings"

	"github.com/ceping/ceping/kb"
)

// Check ids.
const (
	CheckOperator    = "operator"
	CheckContact     = "contact"
	CheckUpdated     = "updated"
	CheckFunctions   = "functions"
	CheckNotVague    = "pi_not_vague"
	CheckSensitive   = "sensitive_highlighted"
	CheckPurposes    = "purposes"
	CheckPermissions = "permissions"
	CheckSDKList     = "sdk_list"
	CheckSharing     = "sharing"
	CheckStorage     = "storage_location"
	CheckRetention   = "retention"
	CheckCrossBorder = "cross_border"
	CheckSecurity    = "security_measures"
	CheckRightPrefix = "right_" // + RightAccess…
	CheckReplyTime   = "reply_time"
	CheckComplaint   = "complaint_channel"
	CheckExternal    = "external_dispute"
	CheckChildren    = "children"
	CheckChinese     = "simplified_chinese"
)

const (
	basisSelf    = "App 收集使用个人信息自评估指南"
	basisIllegal = "App 违法违规收集使用个人信息自评估指南"
)

func (p *Policy) add(id, title, basis, result, detail string, q *Fact) {
	p.Checks = append(p.Checks, Check{ID: id, Title: title, Basis: basis, Result: result, Detail: detail, Quote: q})
}

func passIf(ok bool) string {
	if ok {
		return Pass
	}
	return Fail
}

func (p *Policy) runChecks() {
	p.Checks = []Check{}

	// 5.5 a) 1) 个人信息控制者的基本情况.
	switch {
	case p.Operator == nil:
		p.add(CheckOperator, "运营者身份（公司名称、注册或办公地址）", "GB/T 35273—2020 5.5 a) 1)；"+basisSelf+" 1.5 a)；"+basisIllegal+" 9", Fail, "未找到运营者（公司）名称", nil)
	case p.Contact.Address == nil:
		p.add(CheckOperator, "运营者身份（公司名称、注册或办公地址）", "GB/T 35273—2020 5.5 a) 1)；"+basisSelf+" 1.5 a)；"+basisIllegal+" 9", Fail, "运营者："+p.Operator.Value+"；未说明注册地址或办公地址", p.Operator)
	default:
		p.add(CheckOperator, "运营者身份（公司名称、注册或办公地址）", "GB/T 35273—2020 5.5 a) 1)；"+basisSelf+" 1.5 a)；"+basisIllegal+" 9", Pass, "运营者："+p.Operator.Value+"；地址："+p.Contact.Address.Value, p.Operator)
	}
	var contact []string
	var cq *Fact
	for _, e := range p.Contact.Emails {
		contact = append(contact, "电子邮件 "+e.Value)
		if cq == nil {
			cq = &p.Contact.Emails[0]
		}
	}
	for _, e := range p.Contact.Phones {
		contact = append(contact, "电话 "+e.Value)
		if cq == nil {
			cq = &p.Contact.Phones[0]
		}
	}
	p.add(CheckContact, "联系方式", "GB/T 35273—2020 5.5 a) 1)；附录 D“如何联系我们”", passIf(len(contact) > 0),
		orNone(strings.Join(contact, "；"), "未找到电子邮件或电话"), cq)

	// Dates.
	switch {
	case p.Updated != nil:
		p.add(CheckUpdated, "更新日期", "GB/T 35273—2020 5.5 f)；附录 D；"+basisSelf+" 1.6 a)；PIC-32 1)", Pass, "更新日期 "+p.Updated.Value, p.Updated)
	case p.Effective != nil:
		p.add(CheckUpdated, "更新日期", "GB/T 35273—2020 5.5 f)；附录 D；"+basisSelf+" 1.6 a)；PIC-32 1)", Pass, "未标注更新日期，标注了生效日期 "+p.Effective.Value, p.Effective)
	default:
		p.add(CheckUpdated, "更新日期", "GB/T 35273—2020 5.5 f)；附录 D；"+basisSelf+" 1.6 a)；PIC-32 1)", Fail, "未找到发布、生效或更新日期", nil)
	}

	// 5.5 a) 2) functions and the PI each collects.
	if len(p.Functions) == 0 {
		d := "未找到逐项列出的业务功能"
		if len(p.PITypes) > 0 {
			d += fmt.Sprintf("；全文提到 %d 类个人信息但未按业务功能分别说明", len(p.PITypes))
		}
		p.add(CheckFunctions, "逐项列出业务功能及各自收集的个人信息类型", "GB/T 35273—2020 5.5 a) 2)；附录 D 编写要求 1、2；"+basisIllegal+" 5、6", Fail, d, nil)
	} else {
		var names []string
		for _, f := range p.Functions {
			names = append(names, f.Name)
		}
		q := &Fact{Value: p.Functions[0].Name, Loc: p.Functions[0].Loc}
		d := fmt.Sprintf("%d 项业务功能：%s", len(p.Functions), strings.Join(names, "、"))
		res := Pass
		if len(p.Unattributed) > 0 {
			res = Fail
			var un []string
			for _, t := range p.Unattributed {
				un = append(un, kb.PITypeNames[t])
			}
			d += "；未对应到业务功能的个人信息：" + strings.Join(un, "、")
		}
		p.add(CheckFunctions, "逐项列出业务功能及各自收集的个人信息类型", "GB/T 35273—2020 5.5 a) 2)；附录 D 编写要求 1、2；"+basisIllegal+" 5、6", res, d, q)
	}
	if len(p.Vague) > 0 {
		p.add(CheckNotVague, "个人信息类型逐项列举，未使用“等、例如”", "附录 D 编写要求 5；"+basisSelf+" 2.1 a)；"+basisIllegal+" 7", Fail,
			fmt.Sprintf("%d 处以“等”“例如”“包括但不限于”概括列举个人信息", len(p.Vague)), &p.Vague[0])
	} else if len(p.PITypes) == 0 {
		p.add(CheckNotVague, "个人信息类型逐项列举，未使用“等、例如”", "附录 D 编写要求 5；"+basisSelf+" 2.1 a)；"+basisIllegal+" 7", Unknown, "未找到个人信息类型的列举", nil)
	} else {
		p.add(CheckNotVague, "个人信息类型逐项列举，未使用“等、例如”", "附录 D 编写要求 5；"+basisSelf+" 2.1 a)；"+basisIllegal+" 7", Pass, "个人信息类型的列举未见“等”“例如”", nil)
	}

	// Sensitive PI highlighted.
	{
		title, basis := "个人敏感信息显著标识", "GB/T 35273—2020 5.5 a) 2)；"+basisIllegal+" 8"
		var plain, marked []string
		var q *Fact
		for _, s := range p.Sensitive {
			name := kb.PITypeNames[s.PIType]
			if s.Highlighted {
				marked = append(marked, name)
			} else {
				plain = append(plain, name)
				if q == nil {
					q = &Fact{Value: s.PIType, Loc: s.Loc}
				}
			}
		}
		switch {
		case len(p.Sensitive) == 0:
			p.add(CheckSensitive, title, basis, Pass, "未声明收集个人敏感信息", nil)
		case len(plain) == 0:
			p.add(CheckSensitive, title, basis, Pass, "已显著标识："+strings.Join(marked, "、"), nil)
		case !p.highlight && p.Format == "text":
			p.add(CheckSensitive, title, basis, Unknown, "纯文本无法判断加粗等标识，需在 App 中查看："+strings.Join(plain, "、"), q)
		default:
			p.add(CheckSensitive, title, basis, Fail, "未加粗、下划线等显著标识："+strings.Join(plain, "、"), q)
		}
	}

	// Purposes per function.
	{
		var none []string
		var q *Fact
		for _, f := range p.Functions {
			if len(f.Purposes) == 0 {
				none = append(none, f.Name)
				if q == nil {
					q = &Fact{Value: f.Name, Loc: f.Loc}
				}
			}
		}
		switch {
		case len(p.Functions) == 0:
			p.add(CheckPurposes, "各业务功能的收集使用目的", "GB/T 35273—2020 5.4 a)；"+basisSelf+" 2.1 a)", Unknown, "未找到业务功能，无法逐项判断目的", nil)
		case len(none) > 0:
			p.add(CheckPurposes, "各业务功能的收集使用目的", "GB/T 35273—2020 5.4 a)；"+basisSelf+" 2.1 a)", Fail, "未说明目的的业务功能："+strings.Join(none, "、"), q)
		default:
			p.add(CheckPurposes, "各业务功能的收集使用目的", "GB/T 35273—2020 5.4 a)；"+basisSelf+" 2.1 a)", Pass, "每项业务功能均说明了目的", nil)
		}
	}

	// System permissions (appendix D template, per function).
	if len(p.Permissions) > 0 {
		var short []string
		for _, x := range p.Permissions {
			short = append(short, strings.TrimPrefix(x, "android.permission."))
		}
		p.add(CheckPermissions, "申请的系统权限及目的", "附录 D“在您使用该业务功能时…申请下列与个人信息相关的系统权限”；"+basisSelf+" 2.3", Pass, strings.Join(short, "、"), nil)
	} else {
		p.add(CheckPermissions, "申请的系统权限及目的", "附录 D“在您使用该业务功能时…申请下列与个人信息相关的系统权限”；"+basisSelf+" 2.3", Unknown, "未找到系统权限说明；需与 App 实际申请的权限比对", nil)
	}

	// 5.5 a) 4) third parties.
	switch {
	case len(p.SDKs) > 0:
		var names, incomplete []string
		var q *Fact
		for _, s := range p.SDKs {
			names = append(names, s.Name)
			if len(s.PITypes) == 0 || s.Purpose == "" {
				incomplete = append(incomplete, s.Name)
				if q == nil {
					q = &Fact{Value: s.Name, Loc: s.Loc}
				}
			}
		}
		res, d := Pass, fmt.Sprintf("%d 个：%s", len(names), strings.Join(names, "、"))
		if len(incomplete) > 0 {
			res = Fail
			d += "；未说明使用目的或收集的个人信息类型：" + strings.Join(incomplete, "、")
		} else {
			q = &Fact{Value: p.SDKs[0].Name, Loc: p.SDKs[0].Loc}
		}
		p.add(CheckSDKList, "第三方 SDK 清单（名称、目的、个人信息类型）", "GB/T 35273—2020 5.5 a) 4)；"+basisSelf+" 2.1 d)", res, d, q)
	case p.NoSDKStatement != nil:
		p.add(CheckSDKList, "第三方 SDK 清单（名称、目的、个人信息类型）", "GB/T 35273—2020 5.5 a) 4)；"+basisSelf+" 2.1 d)", Pass, "声明未接入第三方 SDK（需与安装包检测结果比对）", p.NoSDKStatement)
	default:
		p.add(CheckSDKList, "第三方 SDK 清单（名称、目的、个人信息类型）", "GB/T 35273—2020 5.5 a) 4)；"+basisSelf+" 2.1 d)", Fail, "未找到第三方 SDK 清单", nil)
	}
	p.add(CheckSharing, "对外共享、转让、公开披露的规则", "GB/T 35273—2020 5.5 a) 4)；附录 D 编写要求 9—11；"+basisIllegal+" 14", passIf(p.Sharing != nil),
		orNone(factValue(p.Sharing), "未找到共享、转让、公开披露个人信息的说明"), p.Sharing)

	// 5.5 a) 3) processing rules.
	p.add(CheckStorage, "个人信息存放地域", "GB/T 35273—2020 5.5 a) 3)；附录 D 编写要求 6；"+basisSelf+" 1.6 b)", passIf(p.Storage != nil),
		orNone(factQuote(p.Storage), "未说明个人信息存放地域（境内/境外）"), p.Storage)
	p.add(CheckRetention, "存储期限及超期处理", "GB/T 35273—2020 5.5 a) 3)；附录 D 编写要求 7；"+basisSelf+" 1.6 b)", passIf(p.Retention != nil),
		orNone(factQuote(p.Retention), "未说明存储期限"), p.Retention)
	switch p.CrossBorder {
	case CrossBorderNo:
		p.add(CheckCrossBorder, "数据出境情况", "GB/T 35273—2020 5.5 a) 3)；"+basisSelf+" 1.6 d)", Pass, "声明不出境", p.CrossBorderQuote)
	case CrossBorderTransfer:
		b := p.blockAt(p.CrossBorderQuote)
		if b != nil && len(b.hl) > 0 {
			p.add(CheckCrossBorder, "数据出境情况", "GB/T 35273—2020 5.5 a) 3)；"+basisSelf+" 1.6 d)", Pass, "声明出境并显著标识（需核对出境个人信息类型是否逐项列出）", p.CrossBorderQuote)
		} else {
			p.add(CheckCrossBorder, "数据出境情况", "GB/T 35273—2020 5.5 a) 3)；"+basisSelf+" 1.6 d)", Fail, "声明出境但未显著标识出境的个人信息类型", p.CrossBorderQuote)
		}
	default:
		p.add(CheckCrossBorder, "数据出境情况", "GB/T 35273—2020 5.5 a) 3)；"+basisSelf+" 1.6 d)", Fail, "未说明是否出境", nil)
	}
	// 5.5 a) 7).
	p.add(CheckSecurity, "个人信息安全保护措施", "GB/T 35273—2020 5.5 a) 7)；"+basisSelf+" 1.6 e)", passIf(p.Security != nil),
		orNone(factQuote(p.Security), "未说明加密、访问控制等安全保护措施"), p.Security)

	// 5.5 a) 5) rights.
	units := map[string]string{RightAccess: "RPI-01", RightCorrect: "RPI-04", RightDelete: "RPI-05", RightClose: "RPI-11", RightWithdraw: "RPI-08", RightCopy: "RPI-17"}
	for _, rn := range RightNames {
		id, title := CheckRightPrefix+rn.Key, "用户权利："+rn.Name+"及其方法"
		basis := "GB/T 35273—2020 5.5 a) 5)；" + basisSelf + " 1.6 g)"
		basis += "；" + units[rn.Key]
		r := p.Right(rn.Key)
		switch {
		case r == nil:
			p.add(id, title, basis, Fail, "未说明"+rn.Name+"的权利", nil)
		case r.How == "":
			p.add(id, title, basis, Fail, "提到"+rn.Name+"但未说明操作方法或途径", &Fact{Quote: r.Quote, Loc: r.Loc})
		default:
			p.add(id, title, basis, Pass, "途径："+r.How, &Fact{Value: r.How, Quote: r.Quote, Loc: r.Loc})
		}
	}
	switch {
	case p.ReplyLimit == nil:
		p.add(CheckReplyTime, "响应用户请求的时限（不超过 15 个工作日）", basisSelf+" 6.1 b)、6.2 b)、6.3 b)；RPI-24 4)；GB/T 35273—2020 8.7 c)", Fail, "未承诺答复时限", nil)
	case p.ReplyWorkdays <= 15:
		p.add(CheckReplyTime, "响应用户请求的时限（不超过 15 个工作日）", basisSelf+" 6.1 b)、6.2 b)、6.3 b)；RPI-24 4)；GB/T 35273—2020 8.7 c)", Pass, "承诺 "+p.ReplyLimit.Value+"内答复", p.ReplyLimit)
	default:
		p.add(CheckReplyTime, "响应用户请求的时限（不超过 15 个工作日）", basisSelf+" 6.1 b)、6.2 b)、6.3 b)；RPI-24 4)；GB/T 35273—2020 8.7 c)", Fail,
			"承诺 "+p.ReplyLimit.Value+"内答复，超过 15 个工作日（GB/T 35273—2020 8.7 c) 的三十天内满足标准，但不满足自评估指南）", p.ReplyLimit)
	}
	p.add(CheckComplaint, "投诉、反馈渠道", "GB/T 35273—2020 5.5 a) 8)；"+basisSelf+" 1.6 h)、6.3 a)；"+basisIllegal+" 16；RPI-24 3)", passIf(p.Complaint != nil),
		orNone(factValue(p.Complaint), "未找到电子邮件、电话、在线客服或表单等投诉渠道"), p.Complaint)
	p.add(CheckExternal, "外部纠纷解决机构及联络方式", "GB/T 35273—2020 5.5 a) 8)；附录 D“如何联系我们”编写要求 2", passIf(p.ExternalDispute != nil),
		orNone(factQuote(p.ExternalDispute), "未说明外部纠纷解决机构（法院、监管部门等）"), p.ExternalDispute)
	if p.Children != nil {
		p.add(CheckChildren, "儿童个人信息的处理", "附录 D“我们如何处理儿童的个人信息”；GB/T 35273—2020 5.4 c)", Pass, factValue(p.Children), p.Children)
	} else {
		p.add(CheckChildren, "儿童个人信息的处理", "附录 D“我们如何处理儿童的个人信息”；GB/T 35273—2020 5.4 c)", Unknown, "未见儿童个人信息条款；App 面向或可能收集不满 14 周岁儿童的信息时需要", nil)
	}
	p.add(CheckChinese, "提供简体中文版", "PIC-29 1)；"+basisSelf+" 1.4 b)", Pass, "正文为中文（简繁体与语言质量由测评人员确认）", nil)
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func factValue(f *Fact) string {
	if f == nil {
		return ""
	}
	return f.Value
}

func factQuote(f *Fact) string {
	if f == nil {
		return ""
	}
	if f.Quote != "" {
		return f.Quote
	}
	return f.Value
}

// blockAt returns the block a fact was found in.
func (p *Policy) blockAt(f *Fact) *block {
	if f == nil {
		return nil
	}
	for _, b := range p.blocks {
		if b.offset == f.Offset && b.line == f.Line {
			return b
		}
	}
	return nil
}
