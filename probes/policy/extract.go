package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const companySuffix = `(?:有限责任公司|股份有限公司|有限公司|集团公司|集团|公司|工作室|研究院)`

var (
	operatorLabelRE = regexp.MustCompile(`(?:运营者|经营者|开发者|运营方|运营主体|公司名称|主体名称|个人信息控制者|个人信息处理者)(?:名称|全称)?(?:为|是|：|:)\s*([^\s，,。；;：:“”"！!（(]{2,40}?` + companySuffix + `)`)
	operatorAliasRE = regexp.MustCompile(`([^\s，,。；;：:“”"！!（(）)、]{2,40}?` + companySuffix + `)\s*[（(](?:以下|下文)(?:简称|称)`)
	operatorByRE    = regexp.MustCompile(`由([^\s，,。；;：:“”"！!（(）)]{2,40}?` + companySuffix + `)(?:开发|运营|提供)`)
	addressRE       = regexp.MustCompile(`(?:注册地址|办公地址|联系地址|通信地址|通讯地址|公司地址|地址|住所)(?:为|是|：|:)\s*([^，,。；;]{4,80})`)
	emailRE         = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	phoneRE         = regexp.MustCompile(`(?i)(?:电话|热线|客服|联系方式|tel)[^0-9，,。；;]{0,12}((?:\+?86[- ]?)?(?:400[- ]?\d{3}[- ]?\d{4}|800[- ]?\d{3}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|1[3-9]\d{9}|9\d{4}))`)
	dateRE          = regexp.MustCompile(`(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:(?:月|-|/|\.)\s*(\d{1,2})\s*日?|月)?`)
	dateLabelRE     = regexp.MustCompile(`(更新|修订|发布|生效|施行)(?:日期|时间|于)?\s*(?:为|是|：|:)?\s*$`)
	dateAfterRE     = regexp.MustCompile(`^\s*(?:起)?\s*(?:正式)?(更新|修订|发布|生效|施行)`)
	retentionRE     = regexp.MustCompile(`(?:保存|存储|保留|储存)(?:的)?(?:期限|期间|时间|时限)|最短(?:期限|时间)|(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|日|天)(?:内|后)?(?:予以)?(?:删除|匿名化)|超(?:出|过)?(?:保存|存储)?期限`)
	storageRE       = regexp.MustCompile(`(?:存储|存放|保存|储存)(?:在|于)(?:中华人民共和国|中国|我国)(?:大陆)?(?:境内|大陆)|(?:境内|国内)(?:存储|存放|保存|储存)|(?:存储|存放|保存|储存)(?:在|于)(?:国内|境内)`)
	noTransferRE    = regexp.MustCompile(`(?:不会|不得|不|未|无|没有|不涉及|不存在|不进行)[^。；;，,]{0,15}(?:境外|出境|跨境)`)
	transferRE      = regexp.MustCompile(`(?:传输|转移|提供|发送|传送|存储|备份)(?:至|到|给|于|在)?(?:位于)?(?:` + abroadPlaces + `)|出境|跨境(?:传输|转移|提供)|境外(?:接收方|服务器|机构|公司)`)
	replyRE         = regexp.MustCompile(`(\d{1,3}|[一二三四五六七八九十百]+)\s*个?\s*(工作日|自然日|天|日)\s*(?:内|之内)?[^。；;]{0,10}(?:答复|回复|响应|处理|反馈|核查|作出)`)
	complaintRE     = regexp.MustCompile(`投诉|举报|申诉|疑问|意见|建议|反馈`)
	externalRE      = regexp.MustCompile(`(?:网信|公安|市场监管|工商|消费者协会|消协|人民法院|法院|仲裁|监管部门|主管部门|12315|12377)[^。；;]{0,30}(?:投诉|举报|起诉|诉讼|仲裁|解决|申诉)|(?:投诉|举报|起诉|诉讼)[^。；;]{0,20}(?:网信|公安|市场监管|法院|仲裁|监管部门|主管部门)`)
	childrenRE      = regexp.MustCompile(`不满\s*(?:14|十四)\s*周岁|儿童(?:的)?个人信息|未成年人(?:的)?个人信息`)
	securityRE      = regexp.MustCompile(`(?i)加密|去标识化|访问控制|(?:SSL|TLS|HTTPS)\s*(?:协议|传输|技术)|安全防护|安全措施|安全审计|身份鉴别|权限管理`)
	sharingRE       = regexp.MustCompile(`(?:共享|转让|公开披露|委托处理|提供给)[^。；;]{0,30}(?:第三方|合作伙伴|关联公司|关联方|其他公司|以外的)|(?:第三方|合作伙伴|关联公司|关联方|其他公司|以外的)[^。；;]{0,30}(?:共享|转让|公开披露|委托处理)`)
	noSDKRE         = regexp.MustCompile(`(?i)(?:未|没有|不会|不)(?:接入|集成|嵌入|使用)(?:任何)?(?:的)?第三方\s*(?:SDK|代码|插件)`)
)

// rightRules find each right and sentences that state it.
var rightRules = []struct {
	key string
	re  *regexp.Regexp
}{
	{RightAccess, regexp.MustCompile(`查询|访问|查阅|查看`)},
	{RightCorrect, regexp.MustCompile(`更正|修改|补充|修正`)},
	{RightDelete, regexp.MustCompile(`删除`)},
	{RightClose, regexp.MustCompile(`注销`)},
	{RightWithdraw, regexp.MustCompile(`撤回|收回|撤销(?:授权|同意)|改变[^。；;]{0,6}授权|关闭[^。；;]{0,8}权限`)},
	{RightCopy, regexp.MustCompile(`副本|导出|下载[^。；;]{0,6}个人信息|转移[^。；;]{0,4}个人信息`)},
}

var (
	youMayRE = regexp.MustCompile(`您(?:可以|可|有权|能够|随时可)`)
	howRE    = []*regexp.Regexp{
		regexp.MustCompile(`[“"「『]([^”"」』]{1,40})[”"」』]`),
		regexp.MustCompile(`(?:设置|我的|个人中心|账号与安全|账户设置|账号设置)\s*[-—>＞→/／][^，,。；;]{1,40}`),
		emailRE,
		regexp.MustCompile(`(?:在线客服|客服电话|客服|在线表单|反馈)`),
	}
)

// blocksOf returns the blocks of the section kinds, or all blocks when no
// section of those kinds exists.
func (p *Policy) blocksOf(kinds ...string) []*block {
	var out []*block
	for _, b := range p.blocks {
		for _, k := range kinds {
			if b.sec == k {
				out = append(out, b)
				break
			}
		}
	}
	return out
}

// hints are words one of which a block must contain for a regexp to
// match: a cheap filter, since Go's regexp is slow on alternations of
// Chinese words.
var hints = map[*regexp.Regexp][]string{
	operatorLabelRE: {"运营", "经营者", "开发者", "名称", "控制者", "处理者"},
	operatorAliasRE: {"简称", "称"},
	operatorByRE:    {"由"},
	addressRE:       {"地址", "住所"},
	retentionRE:     {"期", "时间", "删除", "匿名化"},
	storageRE:       {"境内", "国内", "大陆"},
	replyRE:         {"日", "天"},
	externalRE:      {"投诉", "举报", "起诉", "诉讼", "仲裁"},
	childrenRE:      {"周岁", "儿童", "未成年人"},
	noSDKRE:         {"第三方"},
}

func hinted(re *regexp.Regexp, text string) bool {
	h, ok := hints[re]
	if !ok {
		return true
	}
	for _, w := range h {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// first finds the first match of re in the blocks, returning the block and
// the submatch indexes.
func first(blocks []*block, re *regexp.Regexp) (*block, []int) {
	for _, b := range blocks {
		if !hinted(re, b.text) {
			continue
		}
		if m := re.FindStringSubmatchIndex(b.text); m != nil {
			return b, m
		}
	}
	return nil, nil
}

// firstFact finds re in the preferred blocks, then in the whole document;
// the value is submatch group g.
func (p *Policy) firstFact(re *regexp.Regexp, g int, kinds ...string) *Fact {
	b, m := first(p.blocksOf(kinds...), re)
	if b == nil {
		b, m = first(p.blocks, re)
	}
	if b == nil || m[2*g] < 0 {
		return nil
	}
	return factAt(b, strings.TrimSpace(b.text[m[2*g]:m[2*g+1]]), m[0])
}

func (p *Policy) extractBasics() {
	p.Operator = p.firstFact(operatorLabelRE, 1, secContact)
	if p.Operator == nil {
		p.Operator = p.firstFact(operatorByRE, 1)
	}
	if p.Operator == nil {
		p.Operator = p.firstFact(operatorAliasRE, 1)
	}
	if p.Operator != nil {
		v := p.Operator.Value
		if i := strings.LastIndex(v, "由"); i >= 0 {
			v = v[i+len("由"):]
		}
		p.Operator.Value = strings.TrimLeft(v, "系为是即")
	}
	p.Contact.Address = p.firstFact(addressRE, 1, secContact)
	seen := map[string]bool{}
	for _, b := range p.blocks {
		if !strings.ContainsAny(b.text, "@0123456789") {
			continue
		}
		for _, m := range emailRE.FindAllStringIndex(b.text, -1) {
			v := b.text[m[0]:m[1]]
			if !seen[v] {
				seen[v] = true
				p.Contact.Emails = append(p.Contact.Emails, *factAt(b, v, m[0]))
			}
		}
		for _, m := range phoneRE.FindAllStringSubmatchIndex(b.text, -1) {
			v := b.text[m[2]:m[3]]
			if !seen[v] {
				seen[v] = true
				p.Contact.Phones = append(p.Contact.Phones, *factAt(b, v, m[2]))
			}
		}
	}
	p.extractDates()

	p.Retention = p.firstFact(retentionRE, 0, secStorage)
	p.Storage = p.firstFact(storageRE, 0, secStorage, secTransfer)
	p.CrossBorder = CrossBorderNotStated
	// Look at every sentence that mentions abroad: a declared transfer
	// wins over a denial elsewhere.
	for _, b := range p.blocks {
		for _, at := range findWords(b.text, abroadWords) {
			s := sentence(b.text, at)
			switch {
			case noTransferRE.MatchString(s):
				if p.CrossBorder == CrossBorderNotStated {
					p.CrossBorder, p.CrossBorderQuote = CrossBorderNo, factAt(b, "", at)
				}
			case transferRE.MatchString(s):
				if p.CrossBorder != CrossBorderTransfer {
					p.CrossBorder, p.CrossBorderQuote = CrossBorderTransfer, factAt(b, "", at)
				}
			}
		}
	}
	if p.CrossBorderQuote != nil {
		p.CrossBorderQuote.Value = p.CrossBorder
	}

	p.extractRights()

	if f := p.firstFact(replyRE, 0, secRights, secContact); f != nil {
		p.ReplyLimit = f
		m := replyRE.FindStringSubmatch(f.Value)
		n := cnNumber(m[1])
		if m[2] == "工作日" {
			p.ReplyWorkdays = n
		} else {
			// Calendar days: at least n*5/7 working days; keep n as
			// the conservative upper bound.
			p.ReplyWorkdays = n
		}
		f.Value = fmt.Sprintf("%d %s", n, m[2])
	}
	for _, bs := range [][]*block{p.blocksOf(secContact, secRights), p.blocks} {
		for _, b := range bs {
			if p.Complaint != nil {
				break
			}
			if m := complaintRE.FindStringIndex(b.text); m != nil {
				if ch := channels(b.text); ch != "" {
					p.Complaint = factAt(b, ch, m[0])
				}
			}
		}
	}
	p.ExternalDispute = p.firstFact(externalRE, 0, secContact, secRights)
	for _, b := range p.blocks {
		if b.kind == bHeading && b.sec == secChildren {
			p.Children = &Fact{Value: stripNumbering(b.text), Quote: b.text, Loc: b.loc()}
			break
		}
	}
	if p.Children == nil {
		p.Children = p.firstFact(childrenRE, 0)
	}
	p.Security = p.firstFact(securityRE, 0, secProtect, secStorage)
	for _, b := range p.blocks {
		if b.kind == bHeading && b.sec == secShare && sharingRE.MatchString(b.text) {
			p.Sharing = &Fact{Value: stripNumbering(b.text), Quote: b.text, Loc: b.loc()}
			break
		}
	}
	if p.Sharing == nil {
		p.Sharing = p.firstFact(sharingRE, 0)
	}
	p.NoSDKStatement = p.firstFact(noSDKRE, 0)
}

// abroadPlaces are words for destinations outside mainland China.
const abroadPlaces = `境外|海外|国外|新加坡|美国|日本|韩国|欧盟|欧洲|英国|德国|法国|印度|香港|澳门|台湾|俄罗斯|澳大利亚|加拿大`

var abroadWords = strings.Split(abroadPlaces+"|出境|跨境", "|")

// findWords returns the offsets where any of the words occur in text, in
// order; a later word starting inside an earlier match is skipped.
func findWords(text string, words []string) []int {
	var at []int
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(text[i:], w)
			if j < 0 {
				break
			}
			at = append(at, i+j)
			i += j + len(w)
		}
	}
	sort.Ints(at)
	return at
}

func channels(text string) string {
	var ch []string
	if emailRE.MatchString(text) {
		ch = append(ch, "电子邮件")
	}
	if phoneRE.MatchString(text) {
		ch = append(ch, "电话")
	}
	if strings.Contains(text, "传真") {
		ch = append(ch, "传真")
	}
	if strings.Contains(text, "在线客服") || strings.Contains(text, "人工客服") {
		ch = append(ch, "在线客服")
	}
	if strings.Contains(text, "表单") || strings.Contains(text, "表格") || strings.Contains(text, "意见反馈") {
		ch = append(ch, "在线表单")
	}
	return strings.Join(ch, "、")
}

func (p *Policy) extractDates() {
	for _, b := range p.blocks {
		if !strings.ContainsAny(b.text, "0123456789") {
			continue
		}
		for _, m := range dateRE.FindAllStringSubmatchIndex(b.text, -1) {
			label := ""
			if lm := dateLabelRE.FindStringSubmatch(b.text[max(0, m[0]-40):m[0]]); lm != nil {
				label = lm[1]
			} else if lm := dateAfterRE.FindStringSubmatch(b.text[m[1]:]); lm != nil {
				label = lm[1]
			}
			if label == "" {
				continue
			}
			y, mo := b.text[m[2]:m[3]], atoi(b.text[m[4]:m[5]])
			if mo < 1 || mo > 12 {
				continue
			}
			v := fmt.Sprintf("%s-%02d", y, mo)
			if m[6] >= 0 {
				d := atoi(b.text[m[6]:m[7]])
				if d < 1 || d > 31 {
					continue
				}
				v += fmt.Sprintf("-%02d", d)
			}
			f := factAt(b, v, m[0])
			switch label {
			case "生效", "施行":
				if p.Effective == nil {
					p.Effective = f
				}
			case "发布":
				if p.Updated == nil {
					p.Updated = f
				}
			default:
				if p.Updated == nil || strings.Contains(p.Updated.Quote, "发布") {
					p.Updated = f
				}
			}
		}
	}
}

func (p *Policy) extractRights() {
	rights := p.blocksOf(secRights)
	for _, rn := range RightNames {
		var re *regexp.Regexp
		for _, r := range rightRules {
			if r.key == rn.Key {
				re = r.re
			}
		}
		var found *Right
		try := func(blocks []*block, needYouMay bool) {
			for _, b := range blocks {
				if found != nil && found.How != "" {
					return
				}
				for _, m := range re.FindAllStringIndex(b.text, -1) {
					s := sentence(b.text, m[0])
					if needYouMay && !youMayRE.MatchString(s) {
						continue
					}
					ss, se := sentenceBounds(b.text, m[0])
					r := &Right{Key: rn.Key, Name: rn.Name, How: how(b.text[ss:se], m[0]-ss), Quote: s, Loc: b.loc()}
					if found == nil || (found.How == "" && r.How != "") {
						found = r
					}
					if found.How != "" {
						return
					}
				}
			}
		}
		try(rights, false)
		if found == nil {
			try(p.blocks, true)
		}
		if found != nil {
			p.Rights = append(p.Rights, *found)
		}
	}
}

// how returns the path or channel a sentence gives for exercising the
// right named at byte offset kw: the quoted path ("“设置—隐私—导出”") nearest
// before the right's word, else the first after it, else another channel.
func how(s string, kw int) string {
	qs := howRE[0].FindAllStringSubmatchIndex(s, -1)
	var before, after []int
	for _, q := range qs {
		if q[0] <= kw && kw < q[1] {
			return s[q[2]:q[3]] // the right's word is in the path itself
		}
		if q[1] <= kw {
			before = q
		} else if after == nil {
			after = q
		}
	}
	switch {
	case before != nil:
		return s[before[2]:before[3]]
	case after != nil:
		return s[after[2]:after[3]]
	}
	for _, re := range howRE[1:] {
		if m := re.FindString(s); m != "" {
			return strings.TrimSpace(m)
		}
	}
	return ""
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// cnNumber reads "15", "十五", "三十", "一百二十".
func cnNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch r {
		case '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		default:
			cur = digits[r]
		}
	}
	return total + cur
}
