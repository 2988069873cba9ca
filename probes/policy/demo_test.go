package policy

import (
	"os"
	"reflect"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

func parseFile(t testing.TB, parts ...string) *Policy {
	t.Helper()
	path := testutil.Path(parts...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data, path)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return p
}

func value(f *Fact) string {
	if f == nil {
		return ""
	}
	return f.Value
}

func values(fs []Fact) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Value)
	}
	return out
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// TestDemoPolicy parses the demo's policy (fixtures/demo/policy.html) and
// checks what its text declares.
func TestDemoPolicy(t *testing.T) {
	p := parseFile(t, "fixtures", "demo", "policy.html")
	eq(t, "format", p.Format, "html")
	eq(t, "charset", p.Charset, "utf-8")
	eq(t, "title", p.Title, "泄漏演示 App 隐私政策")
	eq(t, "operator", value(p.Operator), "泄漏演示科技有限公司")
	eq(t, "address", value(p.Contact.Address), "北京市海淀区演示路 1 号")
	eq(t, "emails", values(p.Contact.Emails), []string{"privacy@leaky-demo.cn"})
	eq(t, "phones", values(p.Contact.Phones), []string{"010-00000000"})
	eq(t, "updated", value(p.Updated), "2026-10-08")
	eq(t, "effective", value(p.Effective), "2026-10-15")
	if p.Updated != nil {
		eq(t, "updated line", p.Updated.Line, 9)
	}
	eq(t, "storage", value(p.Storage), "存储在中国境内")
	eq(t, "cross border", p.CrossBorder, CrossBorderNo)
	if p.Retention == nil || p.Retention.Quote != "存储期限为实现目的所必需的最短时间：账号注销后 30 日内删除。" {
		t.Errorf("retention = %+v", p.Retention)
	}
	eq(t, "reply workdays", p.ReplyWorkdays, 15)
	eq(t, "complaint", value(p.Complaint), "电子邮件、电话")
	if p.ExternalDispute == nil {
		t.Error("external dispute channel (网信、公安、市场监管) not found")
	}
	eq(t, "children", value(p.Children), "未成年人保护")
	eq(t, "sharing", p.Sharing, (*Fact)(nil))
	hows := map[string]string{}
	for _, r := range p.Rights {
		hows[r.Key] = r.How
		if r.Line != 33 || r.Section != "泄漏演示 App 隐私政策 > 您的权利" {
			t.Errorf("right %s located at %v", r.Key, r.Loc)
		}
	}
	eq(t, "rights", hows, map[string]string{
		RightAccess: "我的-设置-个人信息", RightCorrect: "我的-设置-个人信息", RightDelete: "设置-隐私-删除个人信息",
		RightClose: "设置-账号与安全-注销账号", RightWithdraw: "设置-隐私-撤回同意", RightCopy: "设置-隐私-导出",
	})
}
