package pi

// Template is the commented device-profile template written by
// `ceping device init`. Every value is an example: replace each with what
// the test device really reports, delete what you do not know.
const Template = `# ceping device profile / 测试设备信息文件
# 填写测试设备的真实标识与测试账号信息，ceping 在流量中查找这些值（含大小写、
# 分隔符、URL 编码、Base64、十六进制及 MD5/SHA-1/SHA-256 哈希等变形）。
# Fill in the test device's real identifiers and the test account; ceping looks
# for these values (and their case, separator, URL, Base64, hex and
# MD5/SHA-1/SHA-256 variants) in the traffic. Delete lines you do not know.
# 输出中默认打码显示（前 4 位 + **** + 后 4 位）；--reveal 仅限实验室内部使用。

# IMEI（一个或两个，双卡设备）/ one or two IMEIs (dual SIM); 15 digits with Luhn check digit
imei: ["867543031234561", "867543037654325"]
# MEID（CDMA，14 位十六进制）/ 14 hex characters
meid: A1000049E5C2D7
# SIM 卡 IMSI / IMSI
imsi: "460011234567890"
# SIM 卡序列号 ICCID / ICCID
iccid: "89860117851012345678"
# 本机号码 / the SIM's phone number
phone_number: "13812345678"
# Android ID（16 位十六进制）/ Settings.Secure.ANDROID_ID
android_id: 3f2a9c1be07d4a56
# 匿名设备标识符 OAID / OAID (MSA)
oaid: 7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10
# 谷歌广告标识符 AAID/GAID / Google advertising ID
aaid: 0b6f2d9e-8c41-4a57-b3e2-9d5c1a7f6e48
# iOS 广告标识符 IDFA 与 IDFV / iOS IDFA and IDFV
idfa: 5E3B7C1A-9D2F-4E8B-A6C4-1F0D8E2B7A93
idfv: 2C8E4A6B-1D3F-4B5A-9E7C-0A2B4D6F8E1C
# 硬件序列号 / hardware serial number
serial: R58M12ABCDE
# WLAN MAC、蓝牙 MAC、所连 Wi-Fi 的 BSSID 与 SSID / Wi-Fi MAC, Bluetooth MAC, BSSID and SSID
mac: a4:50:46:12:ab:cd
bluetooth_mac: a4:50:46:12:ab:ce
bssid: 28:6c:07:9e:41:b2
ssid: CepingLab-5G
# 测试位置（WGS-84）与半径（米）：半径内的经纬度对视为精准定位信息
# test position (WGS-84) and radius in metres: coordinate pairs inside count as precise location
location: {lat: 39.9087, lon: 116.3975, radius_m: 2000}
# 测试账号 / test account
account:
  name: 李小明
  email: xiaoming.li@example.org
  id_card: "110105199003071239"
# 通讯录中的测试联系人 / test contacts on the device
contacts:
  - {name: 张伟国, number: "13900001111"}
  - {name: 王芳芳, number: "13700002222"}
# 设备上已安装的应用（包名）/ installed apps (package names); three or more in one request count as an app list
installed_apps:
  - com.tencent.mm
  - com.eg.android.AlipayGphone
  - com.sina.weibo
  - com.ss.android.ugc.aweme
  - com.taobao.taobao
# 短信与剪切板中的诱饵文本（测试前写入设备）/ canary texts placed in an SMS and on the clipboard before the test
sms: CEPING-SMS-CANARY-7f3a
clipboard: CEPING-CLIP-CANARY-91bd
`
