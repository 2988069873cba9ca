package kb

import (
	"strings"
	"testing"
)

// The brief's minimums: the tables must cover at least this much.
func TestCounts(t *testing.T) {
	k := builtinKB(t)
	if n := len(k.SDKs); n < 300 {
		t.Errorf("%d SDKs, want at least 300", n)
	}
	if n := len(k.APIs); n < 80 {
		t.Errorf("%d sensitive APIs, want at least 80", n)
	}
	cats := map[string]int{}
	for _, s := range k.SDKs {
		cats[s.Category]++
	}
	for c := range Categories {
		if cats[c] == 0 {
			t.Errorf("category %q has no SDK", c)
		}
	}
}

func TestRequiredPermissions(t *testing.T) {
	required := []string{
		"ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION", "ACCESS_MEDIA_LOCATION",
		"READ_CONTACTS", "WRITE_CONTACTS", "GET_ACCOUNTS", "READ_CALL_LOG", "WRITE_CALL_LOG", "PROCESS_OUTGOING_CALLS",
		"READ_SMS", "SEND_SMS", "RECEIVE_SMS", "RECEIVE_MMS", "RECEIVE_WAP_PUSH", "READ_PHONE_STATE", "READ_PHONE_NUMBERS",
		"CALL_PHONE", "ANSWER_PHONE_CALLS", "CAMERA", "RECORD_AUDIO", "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE",
		"MANAGE_EXTERNAL_STORAGE", "READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO", "READ_MEDIA_AUDIO", "READ_MEDIA_VISUAL_USER_SELECTED",
		"READ_CALENDAR", "WRITE_CALENDAR", "BODY_SENSORS", "BODY_SENSORS_BACKGROUND", "ACTIVITY_RECOGNITION",
		"BLUETOOTH", "BLUETOOTH_ADMIN", "BLUETOOTH_SCAN", "BLUETOOTH_CONNECT", "BLUETOOTH_ADVERTISE",
		"ACCESS_WIFI_STATE", "CHANGE_WIFI_STATE", "NEARBY_WIFI_DEVICES", "UWB_RANGING", "QUERY_ALL_PACKAGES", "GET_TASKS",
		"PACKAGE_USAGE_STATS", "BIND_NOTIFICATION_LISTENER_SERVICE", "BIND_ACCESSIBILITY_SERVICE", "SYSTEM_ALERT_WINDOW",
		"REQUEST_INSTALL_PACKAGES", "READ_PRIVILEGED_PHONE_STATE", "USE_BIOMETRIC", "USE_FINGERPRINT", "POST_NOTIFICATIONS",
		"RECEIVE_BOOT_COMPLETED", "ACCESS_NETWORK_STATE", "INTERNET", "WRITE_SETTINGS",
		"com.google.android.gms.permission.AD_ID",
		"com.google.android.finsky.permission.BIND_GET_INSTALL_REFERRER_SERVICE",
	}
	for _, name := range required {
		p, ok := LookupPermission(name)
		if !ok {
			t.Errorf("permission %s missing", name)
			continue
		}
		if p.Protection == "dangerous" && len(p.PITypes) > 0 && !p.Sensitive && p.Name != "android.permission.POST_NOTIFICATIONS" {
			t.Errorf("%s: dangerous permission granting %v is not marked sensitive", p.Name, p.PITypes)
		}
	}
	vendor := 0
	for _, p := range Permissions() {
		if strings.HasPrefix(p.Name, "com.huawei.") || strings.HasPrefix(p.Name, "com.hihonor.") ||
			strings.HasPrefix(p.Name, "com.heytap.") || strings.HasPrefix(p.Name, "com.coloros.") ||
			strings.HasPrefix(p.Name, "com.meizu.") || strings.HasPrefix(p.Name, "com.vivo.") || strings.HasPrefix(p.Name, "com.xiaomi.") {
			vendor++
		}
	}
	if vendor < 5 {
		t.Errorf("only %d vendor permissions", vendor)
	}
}

func TestRequiredAPIs(t *testing.T) {
	invokes := map[string][]string{
		"Landroid/telephony/TelephonyManager;": {"getDeviceId", "getImei", "getMeid", "getSubscriberId", "getSimSerialNumber",
			"getLine1Number", "getCellLocation", "getAllCellInfo", "getNeighboringCellInfo", "getNetworkOperator", "getSimOperator"},
		"Landroid/os/Build;":                                            {"getSerial"},
		"Landroid/provider/Settings$Secure;":                            {"getString"},
		"Landroid/net/wifi/WifiInfo;":                                   {"getMacAddress", "getBSSID", "getSSID", "getIpAddress"},
		"Landroid/net/wifi/WifiManager;":                                {"getScanResults", "getConnectionInfo", "getConfiguredNetworks"},
		"Ljava/net/NetworkInterface;":                                   {"getHardwareAddress"},
		"Landroid/bluetooth/BluetoothAdapter;":                          {"getAddress", "getBondedDevices", "startDiscovery"},
		"Landroid/location/LocationManager;":                            {"getLastKnownLocation", "requestLocationUpdates", "requestSingleUpdate", "getCurrentLocation"},
		"Lcom/google/android/gms/location/FusedLocationProviderClient;": {"getLastLocation", "requestLocationUpdates", "getCurrentLocation"},
		"Landroid/content/pm/PackageManager;":                           {"getInstalledPackages", "getInstalledApplications", "queryIntentActivities"},
		"Landroid/app/ActivityManager;":                                 {"getRunningAppProcesses", "getRunningTasks", "getRecentTasks"},
		"Landroid/content/ClipboardManager;":                            {"getPrimaryClip", "getText", "hasPrimaryClip"},
		"Landroid/hardware/Camera;":                                     {"open"},
		"Landroid/hardware/camera2/CameraManager;":                      {"openCamera"},
		"Landroid/media/MediaRecorder;":                                 {"setAudioSource", "start"},
		"Landroid/media/AudioRecord;":                                   {"startRecording"},
		"Landroid/hardware/SensorManager;":                              {"registerListener", "getSensorList"},
		"Landroid/accounts/AccountManager;":                             {"getAccounts", "getAccountsByType"},
		"Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;":   {"getAdvertisingIdInfo"},
		"Lcom/bun/miitmdid/core/MdidSdkHelper;":                         {"InitSdk"},
		"Landroid/content/ContentResolver;":                             {"query"},
		"Landroid/telephony/SmsManager;":                                {"sendTextMessage"},
		"Landroid/telephony/SubscriptionManager;":                       {"getActiveSubscriptionInfoList"},
		"Landroid/telephony/SubscriptionInfo;":                          {"getIccId", "getNumber"},
		"Landroid/app/usage/UsageStatsManager;":                         {"queryUsageStats"},
		"Landroid/hardware/biometrics/BiometricPrompt;":                 {"authenticate"},
	}
	for class, names := range invokes {
		for _, n := range names {
			if _, ok := LookupInvoke(class, n); !ok {
				t.Errorf("invoke %s->%s missing", class, n)
			}
		}
	}
	fields := map[string]string{
		"Landroid/os/Build;":                           "SERIAL",
		"Landroid/provider/ContactsContract$Contacts;": "CONTENT_URI",
		"Landroid/provider/CallLog$Calls;":             "CONTENT_URI",
		"Landroid/provider/Telephony$Sms;":             "CONTENT_URI",
		"Landroid/provider/CalendarContract$Events;":   "CONTENT_URI",
	}
	for class, n := range fields {
		if _, ok := LookupField(class, n); !ok {
			t.Errorf("field %s->%s missing", class, n)
		}
	}
	strs := map[string]bool{}
	for _, a := range StringSignatures() {
		strs[a.Name] = true
	}
	for _, s := range []string{"content://contacts", "content://com.android.contacts", "content://sms", "content://mms-sms",
		"content://call_log", "content://com.android.calendar", "content://media/external", "android_id"} {
		if !strs[s] {
			t.Errorf("string signature %q missing", s)
		}
	}
}

func TestRequiredUsageKeys(t *testing.T) {
	for _, k := range []string{"NSCameraUsageDescription", "NSMicrophoneUsageDescription", "NSLocationWhenInUseUsageDescription",
		"NSLocationAlwaysAndWhenInUseUsageDescription", "NSLocationAlwaysUsageDescription", "NSContactsUsageDescription",
		"NSPhotoLibraryUsageDescription", "NSPhotoLibraryAddUsageDescription", "NSCalendarsUsageDescription",
		"NSRemindersUsageDescription", "NSBluetoothAlwaysUsageDescription", "NSBluetoothPeripheralUsageDescription",
		"NSMotionUsageDescription", "NSHealthShareUsageDescription", "NSHealthUpdateUsageDescription", "NSFaceIDUsageDescription",
		"NSSpeechRecognitionUsageDescription", "NSUserTrackingUsageDescription", "NSLocalNetworkUsageDescription",
		"NSAppleMusicUsageDescription", "NSSiriUsageDescription", "NFCReaderUsageDescription"} {
		if _, ok := LookupUsageKey(k); !ok {
			t.Errorf("usage key %s missing", k)
		}
	}
}

// TestRequiredSDKs: the SDKs the brief names are present, each found by a
// characteristic class or host.
func TestRequiredSDKs(t *testing.T) {
	x := Index()
	for _, c := range []struct{ sample, id string }{
		{"class:com.umeng.analytics.MobclickAgent", "umeng-analytics"},
		{"class:cn.jpush.android.api.JPushInterface", "jpush"},
		{"class:cn.jiguang.verifysdk.api.JVerificationInterface", "jverification"},
		{"class:cn.jiguang.analytics.android.api.JAnalyticsInterface", "janalytics"},
		{"class:com.igexin.sdk.PushManager", "getui-push"},
		{"class:com.tencent.bugly.crashreport.CrashReport", "tencent-bugly"},
		{"class:com.tencent.smtt.sdk.QbSdk", "tencent-x5"},
		{"class:com.tencent.android.tpush.XGPushManager", "tencent-tpns"},
		{"class:com.tencent.stat.StatService", "tencent-mta"},
		{"class:com.tencent.tauth.Tencent", "tencent-qq-open"},
		{"class:com.tencent.mm.opensdk.openapi.WXAPIFactory", "wechat-opensdk"},
		{"class:com.qq.e.comm.managers.GDTAdSdk", "tencent-gdt"},
		{"class:com.tencent.map.geolocation.TencentLocationManager", "tencent-location"},
		{"class:com.baidu.location.LocationClient", "baidu-location"},
		{"class:com.baidu.mobstat.StatService", "baidu-mobstat"},
		{"class:com.baidu.mobads.sdk.api.SplashAd", "baidu-mobads"},
		{"class:com.amap.api.location.AMapLocationClient", "amap-location"},
		{"class:com.alipay.sdk.app.PayTask", "alipay"},
		{"class:com.unionpay.UPPayAssistEx", "unionpay"},
		{"class:com.huawei.hms.push.HmsMessageService", "huawei-push"},
		{"class:com.xiaomi.mipush.sdk.MiPushClient", "xiaomi-push"},
		{"class:com.vivo.push.PushClient", "vivo-push"},
		{"class:com.bytedance.sdk.openadsdk.TTAdSdk", "pangle"},
		{"class:com.kwad.sdk.api.KsAdSDK", "kuaishou-ads"},
		{"class:com.ishumei.smantifraud.SmAntiFraud", "shumei"},
		{"class:cn.tongdun.android.shell.FMAgent", "tongdun"},
		{"class:com.sensorsdata.analytics.android.sdk.SensorsDataAPI", "sensorsdata"},
		{"class:com.cmic.sso.sdk.auth.AuthnHelper", "cmic-sso"},
		{"class:com.bun.miitmdid.core.MdidSdkHelper", "msa-oaid"},
		{"class:com.google.firebase.crashlytics.FirebaseCrashlytics", "firebase-crashlytics"},
		{"class:com.appsflyer.AppsFlyerLib", "appsflyer"},
		{"host:graph.facebook.com", "facebook-core"},
		{"host:app-measurement.com", "firebase-analytics"},
	} {
		got, err := x.BySample(c.sample)
		if err != nil || got == nil || got.ID != c.id {
			t.Errorf("%s: got %v (%v), want %s", c.sample, got, err, c.id)
		}
	}
}

func TestPackerMatching(t *testing.T) {
	ps := Packers()
	for _, c := range []struct{ sample, want string }{
		{"class:com.stub.StubApp", "360加固保"},
		{"lib:lib/armeabi-v7a/libjiagu_a64.so", "360加固保"},
		{"asset:assets/libjiagu.so", "360加固保"},
		{"class:com.tencent.StubShell.TxAppEntry", "腾讯乐固"},
		{"lib:libshella-2.10.so", "腾讯乐固"},
		{"class:Lcom/secneo/apkwrapper/ApplicationWrapper;", "梆梆安全加固"},
		{"lib:libSecShell.so", "梆梆安全加固"},
		{"class:s.h.e.l.l.S", "爱加密"},
		{"lib:libexecmain.so", "爱加密"},
		{"asset:assets/ijm_lib/armeabi/libexec.so", "爱加密"},
		{"lib:libbaiduprotect.so", "百度加固"},
		{"lib:libnesec.so", "网易易盾加固"},
		{"lib:libmobisec.so", "阿里聚安全加固"},
		{"lib:libchaosvmp.so", "娜迦加固"},
		{"lib:libx3g.so", "顶象加固"},
		{"class:com.stub.StubAppX", ""},
		{"class:com.stub.StubApp$1", "360加固保"},
		{"lib:libjiagux.o", ""},
		{"lib:libshell.so", ""},
		{"asset:assets/ijm_libx", ""},
	} {
		p, err := PackerBySample(ps, c.sample)
		if err != nil {
			t.Fatalf("%s: %v", c.sample, err)
		}
		got := ""
		if p != nil {
			got = p.Name
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.sample, got, c.want)
		}
	}
	if _, err := PackerBySample(ps, "host:example.com"); err == nil {
		t.Error("host sample accepted for packers")
	}
}

// TestSDKPermissionsKnown: the permissions an SDK entry lists are in the
// permission table, so the analysers can classify them.
func TestSDKPermissionsKnown(t *testing.T) {
	for _, s := range SDKs() {
		for _, p := range s.Permissions {
			if _, ok := LookupPermission(p); !ok {
				t.Errorf("SDK %s lists permission %s, which permissions.yaml does not know", s.ID, p)
			}
		}
	}
}
