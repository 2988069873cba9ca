package kb

// PITypeNames maps each PI type key (also the pi analyser's pi_type value)
// to its GB/T 35273—2020 appendix A/B term.
var PITypeNames = map[string]string{
	"imei":           "设备识别码（IMEI）",
	"meid":           "设备识别码（MEID）",
	"imsi":           "SIM 卡 IMSI 信息",
	"iccid":          "SIM 卡序列号（ICCID）",
	"phone_number":   "个人电话号码",
	"android_id":     "设备识别码（Android ID）",
	"oaid":           "匿名设备标识符（OAID）",
	"aaid":           "广告标识符（AAID/GAID）",
	"idfa":           "广告标识符（IDFA）",
	"idfv":           "应用开发商标识符（IDFV）",
	"serial":         "硬件序列号",
	"mac":            "设备 MAC 地址",
	"bluetooth_mac":  "蓝牙 MAC 地址",
	"bssid":          "WLAN 接入点 MAC 地址（BSSID）",
	"ssid":           "WLAN 名称（SSID）",
	"location":       "精准定位信息（经纬度、行踪轨迹）",
	"contacts":       "通讯录",
	"call_log":       "通信记录（通话记录）",
	"sms":            "通信内容（短信、彩信）",
	"calendar":       "日程（日历）信息",
	"installed_apps": "软件列表",
	"running_apps":   "软件使用记录（运行中的应用）",
	"clipboard":      "剪切板内容",
	"camera":         "图像（摄像头）",
	"microphone":     "音频（麦克风录音、声纹）",
	"photos":         "照片、视频（相册）",
	"storage":        "存储的文件",
	"accounts":       "个人信息主体账号",
	"sensors":        "传感器信息",
	"body_sensors":   "个人健康生理信息（身体传感器）",
	"activity":       "运动与健身信息（身体活动）",
	"device_info":    "个人常用设备信息（设备型号、系统版本等）",
	"network_info":   "网络信息（IP 地址、网络类型、运营商）",
	"cell_info":      "基站信息",
	"face":           "面部识别特征",
	"fingerprint":    "指纹",
	"id_card":        "身份证件号码",
	"bank_card":      "银行账号",
	"name":           "个人姓名",
	"email":          "电子邮箱",
}

// PITypeSensitive reports whether GB/T 35273—2020 appendix B (table B.1)
// counts the PI type as 个人敏感信息. Device identifiers (appendix A
// 个人常用设备信息) are personal information but not listed in B.1.
var PITypeSensitive = map[string]bool{
	"imei": false, "meid": false, "imsi": false, "iccid": false,
	"phone_number": false, "android_id": false, "oaid": false, "aaid": false,
	"idfa": false, "idfv": false, "serial": false, "mac": false,
	"bluetooth_mac": false, "bssid": false, "ssid": false,
	"location":       true, // 精准定位信息、行踪轨迹
	"contacts":       true, // 通讯录
	"call_log":       true, // 通信记录和内容
	"sms":            true, // 通信记录和内容
	"calendar":       false,
	"installed_apps": false, // 软件列表 (appendix A)
	"running_apps":   false, // 软件使用记录 (appendix A)
	"clipboard":      false,
	"camera":         false,
	"microphone":     false,
	"photos":         false,
	"storage":        false,
	"accounts":       false,
	"sensors":        false,
	"body_sensors":   true, // 个人健康生理信息
	"activity":       false,
	"device_info":    false,
	"network_info":   false,
	"cell_info":      false,
	"face":           true, // 个人生物识别信息
	"fingerprint":    true, // 个人生物识别信息
	"id_card":        true, // 个人身份信息
	"bank_card":      true, // 个人财产信息
	"name":           false,
	"email":          false,
}

// PITypeCategory maps each PI type to the GB/T 35273—2020 table A.1/B.1
// category it belongs to.
var PITypeCategory = map[string]string{
	"imei": "个人常用设备信息", "meid": "个人常用设备信息", "imsi": "个人常用设备信息",
	"iccid": "个人常用设备信息", "android_id": "个人常用设备信息", "oaid": "个人常用设备信息",
	"aaid": "个人常用设备信息", "idfa": "个人常用设备信息", "idfv": "个人常用设备信息",
	"serial": "个人常用设备信息", "mac": "个人常用设备信息", "bluetooth_mac": "个人常用设备信息",
	"installed_apps": "个人常用设备信息", "device_info": "个人常用设备信息",
	"phone_number": "个人基本资料", "name": "个人基本资料", "email": "个人基本资料",
	"bssid": "个人位置信息", "ssid": "个人位置信息", "location": "个人位置信息", "cell_info": "个人位置信息",
	"contacts": "联系人信息", "call_log": "个人通信信息", "sms": "个人通信信息",
	"calendar": "其他信息", "clipboard": "其他信息", "storage": "其他信息", "sensors": "其他信息",
	"running_apps": "个人上网记录", "camera": "其他信息", "microphone": "其他信息", "photos": "其他信息",
	"accounts": "网络身份标识信息", "network_info": "网络身份标识信息",
	"body_sensors": "个人健康生理信息", "activity": "个人健康生理信息",
	"face": "个人生物识别信息", "fingerprint": "个人生物识别信息",
	"id_card": "个人身份信息", "bank_card": "个人财产信息",
}
