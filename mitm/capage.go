package mitm

import (
	"html/template"
	"net/http"
	"strings"
)

var caPageTmpl = template.Must(template.New("ca").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ceping 证书安装 / CA certificate</title>
<style>body{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em;line-height:1.5}
a.btn{display:block;margin:.6em 0;padding:.8em;border:1px solid #357;border-radius:.4em;text-align:center;text-decoration:none;color:#135}
code{word-break:break-all}</style></head>
<body>
<h1>安装 ceping 根证书 / Install the ceping CA certificate</h1>
<p>测评期间，ceping 代理用此证书解密本机应用的 HTTPS 流量。测评结束后请删除该证书。<br>
During the test, the ceping proxy uses this certificate to decrypt the apps' HTTPS traffic. Remove it when the test is over.</p>
<p>证书名称 / Name: <code>{{.Name}}</code><br>SHA-256: <code>{{.Fingerprint}}</code></p>
<a class="btn" href="{{.Base}}/ca.crt">Android / iOS：下载证书 (DER, ca.crt)</a>
<a class="btn" href="{{.Base}}/ca.pem">PEM (ca.pem)</a>
<h2>Android</h2>
<p>设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书。Android 7 及以上版本的应用默认不信任用户证书，需在应用的 network_security_config 中信任用户证书（调试版本），或在已 root 的测试机上安装为系统证书。<br>
Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate. Apps on Android 7+ do not trust user CAs unless their network_security_config allows it.</p>
<h2>iOS</h2>
<p>下载后：设置 → 通用 → VPN 与设备管理 → 安装描述文件；然后 设置 → 通用 → 关于本机 → 证书信任设置 → 启用完全信任。<br>
After downloading: Settings → General → VPN &amp; Device Management → install the profile; then Settings → General → About → Certificate Trust Settings → enable full trust.</p>
{{if .Addr}}<p>代理地址 / Proxy: <code>{{.Addr}}</code></p>{{end}}
</body></html>
`))

// serveCAPage serves the CA install page (/, /ca), /ca.pem and /ca.crt.
func (p *Proxy) serveCAPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "", "/ca":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		caPageTmpl.Execute(w, struct{ Name, Fingerprint, Base, Addr string }{
			p.cfg.CA.Name(), p.cfg.CA.Fingerprint(), "", p.cfg.CAPageAddr})
	case "/ca.pem", "/ca/ca.pem":
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", `attachment; filename="ceping-ca.pem"`)
		w.Write(p.cfg.CA.PEM())
	case "/ca.crt", "/ca/ca.crt", "/ca.cer", "/ca/ca.cer":
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Header().Set("Content-Disposition", `attachment; filename="ceping-ca.crt"`)
		w.Write(p.cfg.CA.DER())
	default:
		http.NotFound(w, r)
	}
}
