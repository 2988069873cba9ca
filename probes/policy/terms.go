package policy

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// piTerms maps each ceping PI type (kb.PITypeNames key) to the words
// privacy policies use for it. Terms are matched case-insensitively with
// whitespace ignored, leftmost-longest, so "蓝牙MAC地址" is bluetooth_mac,
// not mac.
var piTerms = map[string][]string{
	"imei":           {"IMEI", "国际移动设备识别码", "国际移动设备身份码"},
	"meid":           {"MEID"},
	"imsi":           {"IMSI", "国际移动用户识别码"},
	"iccid":          {"ICCID", "SIM卡序列号", "SIM卡卡号", "集成电路卡识别码"},
	"phone_number":   {"手机号码", "手机号", "电话号码", "本机号码", "手机号码信息"},
	"android_id":     {"Android ID", "AndroidID", "ANDROID_ID", "安卓ID", "安卓设备ID", "SSAID"},
	"oaid":           {"OAID", "匿名设备标识符", "匿名设备标识"},
	"aaid":           {"AAID", "GAID", "Google广告ID", "谷歌广告ID", "广告标识符", "广告ID"},
	"idfa":           {"IDFA"},
	"idfv":           {"IDFV"},
	"serial":         {"设备序列号", "硬件序列号", "序列号（SN）", "SerialNumber", "Serial Number"},
	"mac":            {"MAC地址", "MAC 地址", "设备MAC", "网卡地址", "Mac"},
	"bluetooth_mac":  {"蓝牙MAC", "蓝牙地址", "蓝牙设备地址", "蓝牙MAC地址"},
	"bssid":          {"BSSID", "WLAN接入点", "Wi-Fi接入点", "WiFi接入点", "路由器MAC", "路由器地址"},
	"ssid":           {"SSID", "WLAN名称", "Wi-Fi名称", "WiFi名称", "无线网络名称", "WLAN信息", "Wi-Fi信息", "WiFi信息", "WLAN状态", "Wi-Fi列表", "WiFi列表", "WLAN列表"},
	"location":       {"位置信息", "地理位置", "精确位置", "精准位置", "精准定位", "精确定位", "定位信息", "行踪轨迹", "经纬度", "GPS", "位置数据", "实时位置", "所在位置", "粗略位置", "大致位置"},
	"contacts":       {"通讯录", "联系人列表", "手机联系人", "通讯录联系人", "联系人信息"},
	"call_log":       {"通话记录", "通话日志", "通话详单"},
	"sms":            {"短信内容", "短信记录", "短信信息", "短消息", "彩信", "读取短信", "短信收件箱"},
	"calendar":       {"日历", "日程"},
	"installed_apps": {"应用列表", "软件列表", "已安装应用", "安装的应用", "已安装的应用", "应用安装列表", "安装列表", "已安装APP", "已安装软件", "应用程序列表", "App列表", "APP列表", "应用安装信息"},
	"running_apps":   {"运行中的进程", "正在运行的应用", "运行中应用", "进程信息", "应用使用记录", "软件使用记录", "运行中的应用", "进程列表"},
	"clipboard":      {"剪切板", "剪贴板", "粘贴板"},
	"camera":         {"摄像头", "相机", "拍照", "拍摄"},
	"microphone":     {"麦克风", "录音", "语音信息", "声纹", "音频信息"},
	"photos":         {"相册", "照片", "图片", "图库", "相片"},
	"storage":        {"存储权限", "存储空间", "外部存储", "SD卡", "本地文件", "文件存储"},
	"accounts":       {"账号信息", "帐号信息", "用户名", "账户名", "登录账号", "账号名"},
	"sensors":        {"传感器", "加速度", "陀螺仪", "重力感应", "方向传感器"},
	"body_sensors":   {"心率", "身体传感器", "健康生理", "血压", "血氧", "体温"},
	"activity":       {"步数", "运动数据", "运动信息", "健身", "运动记录", "身体活动"},
	"device_info":    {"设备型号", "设备信息", "操作系统版本", "系统版本", "设备品牌", "手机型号", "设备名称", "屏幕分辨率", "硬件型号", "设备标识符", "设备识别码", "设备标识", "唯一设备识别码", "设备制造商", "操作系统", "设备参数"},
	"network_info":   {"IP地址", "网络类型", "运营商", "网络状态", "网络信息", "网络状况", "网络接入方式"},
	"cell_info":      {"基站", "小区信息", "蜂窝", "基站信息"},
	"face":           {"人脸", "面部", "面容", "脸部"},
	"fingerprint":    {"指纹"},
	"id_card":        {"身份证", "身份证件", "证件号码", "护照", "证件信息", "身份证号"},
	"bank_card":      {"银行卡", "银行账号", "银行账户", "银行卡号"},
	"name":           {"姓名", "真实姓名"},
	"email":          {"电子邮箱", "邮箱地址", "电子邮件地址", "邮箱"},
}

// notPITerms are longer phrases that contain a PI term but do not declare
// that PI; they win the leftmost-longest match and are dropped.
var notPITerms = []string{
	"短信验证码", "短信验证", "手机号码验证", "注销账号", "注销帐号", "邮箱联系", "照片墙",
	"以下联系方式", "第三方账号", "图片验证码", "操作系统权限", "系统权限", "网络安全", "运营商认证",
}

type termMatcher struct {
	ac    ahocorasick.AhoCorasick
	types []string // per pattern: PI type, "" for notPITerms
	terms []string
}

var (
	matcherOnce sync.Once
	matcher     *termMatcher
)

func piMatcher() *termMatcher {
	matcherOnce.Do(func() {
		m := &termMatcher{}
		seen := map[string]bool{}
		add := func(term, typ string) {
			k := squeeze(term)
			if k == "" || seen[k] {
				return
			}
			seen[k] = true
			m.terms = append(m.terms, k)
			m.types = append(m.types, typ)
		}
		for _, t := range notPITerms {
			add(t, "")
		}
		for typ, terms := range piTerms {
			for _, t := range terms {
				add(t, typ)
			}
		}
		b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch, DFA: true})
		m.ac = b.Build(m.terms)
		matcher = m
	})
	return matcher
}

// squeeze lower-cases ASCII and drops whitespace.
func squeeze(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if r < utf8.RuneSelf {
			r = unicode.ToLower(r)
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// piMatch is one PI term found in a block's text.
type piMatch struct {
	typ        string
	start, end int // byte offsets in block.text
}

// findPI returns the PI terms in text, leftmost-longest, with offsets into
// text.
func findPI(text string) []piMatch {
	m := piMatcher()
	// Squeezed copy with a map back to the original offsets.
	sq := make([]byte, 0, len(text))
	pos := make([]int, 0, len(text)+1)
	gap := make([]bool, 0, len(text)+1) // whitespace before sq[i]
	space := false
	for i, r := range text {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if r < utf8.RuneSelf {
			r = unicode.ToLower(r)
		}
		n := len(sq)
		sq = utf8.AppendRune(sq, r)
		for range len(sq) - n {
			pos = append(pos, i)
			gap = append(gap, space)
			space = false
		}
	}
	gap = append(gap, true)
	pos = append(pos, len(text))
	var out []piMatch
	lastEnd := 0
	for _, x := range m.ac.FindAll(string(sq)) {
		s, e := x.Start(), x.End()
		// The matcher may report a match inside the previous one; keep
		// the leftmost-longest only.
		if s < lastEnd {
			continue
		}
		lastEnd = e
		typ := m.types[x.Pattern()]
		if typ == "" {
			continue
		}
		// ASCII terms must not sit inside a longer ASCII word ("Mac"
		// in "Macbook", "IMEI" in "IMEISV" is fine as a prefix only
		// when followed by a non-letter).
		if isASCIIWord(sq, gap, s, e) {
			continue
		}
		start := pos[s]
		end := len(text)
		if e < len(pos)-1 {
			end = pos[e-1] + 1
			for end < len(text) && !utf8.RuneStart(text[end]) {
				end++
			}
		}
		out = append(out, piMatch{typ: typ, start: start, end: end})
	}
	// "设备识别码（IMEI、Android ID）": the bracket says which identifiers;
	// the generic word before it declares nothing more.
	kept := out[:0]
	for i, m := range out {
		if i+1 < len(out) {
			rest := strings.TrimLeft(text[m.end:], " ")
			if (strings.HasPrefix(rest, "（") || strings.HasPrefix(rest, "(")) && out[i+1].start < m.end+8 {
				continue
			}
		}
		kept = append(kept, m)
	}
	return kept
}

// isASCIIWord reports whether an ASCII match at sq[s:e] continues a longer
// ASCII alphanumeric word on either side.
func isASCIIWord(sq []byte, gap []bool, s, e int) bool {
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	left := s > 0 && !gap[s] && alnum(sq[s-1]) && alnum(sq[s])
	right := e < len(sq) && !gap[e] && alnum(sq[e]) && alnum(sq[e-1])
	return left || right
}
