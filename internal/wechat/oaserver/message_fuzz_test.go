package oaserver

import (
	"encoding/xml"
	"testing"
)

// wireMessage is a pushed message as WeChat documents it (明文消息格式),
// written here independently of the library's MixMessage.
type wireMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        int64    `xml:"MsgId"`
	Content      string   `xml:"Content"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Ticket       string   `xml:"Ticket"`
}

// messageSeeds are pushes WeChat sends and near misses of them.
var messageSeeds = []string{
	`<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o-user]]></FromUserName><CreateTime>1763000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[公积金提取]]></Content><MsgId>1234567890123456</MsgId></xml>`,
	`<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o-user]]></FromUserName><CreateTime>1763000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>`,
	`<xml><ToUserName>gh_test</ToUserName><FromUserName>o-user</FromUserName><CreateTime>1763000000</CreateTime><MsgType>event</MsgType><Event>CLICK</Event><EventKey>HOTLINE</EventKey></xml>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale></xml>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>location</MsgType><Location_X>north</Location_X></xml>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>text</MsgType><Content>&lt;script&gt;alert(1)&lt;/script&gt; &amp; ' OR 1=1 --</Content></xml>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>text</MsgType><MsgId>99999999999999999999</MsgId></xml>`,
	`<xml><FromUserName></FromUserName><MsgType>text</MsgType></xml>`,
	`<xml><FromUserName>o-user</FromUserName></xml>`,
	`<other><FromUserName>o-user</FromUserName><MsgType>text</MsgType></other>`,
	`<xml><FromUserName>o-user</FromUserName><MsgType>text</MsgType>`,
	`<!DOCTYPE xml [<!ENTITY x "boom">]><xml><FromUserName>&x;</FromUserName><MsgType>text</MsgType></xml>`,
	`<xml><FromUserName>o-a</FromUserName><FromUserName>o-b</FromUserName><MsgType>text</MsgType></xml>`,
	`<?xml version="1.0" encoding="GBK"?><xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>`,
	"<xml><FromUserName>o\x00</FromUserName><MsgType>text</MsgType></xml>",
	"", "xml", "<", "<xml/>", "\xef\xbb\xbf<xml></xml>", `{"FromUserName":"o-user","MsgType":"text"}`,
}

// FuzzParseMessage feeds arbitrary plaintext (what a plain-mode push carries,
// or what a safe-mode push decrypts to) to the parser: it never panics, a
// message it accepts has a sender and a type and survives a round trip
// through WeChat's wire format, and one it refuses comes back as the zero
// Message with an error.
func FuzzParseMessage(f *testing.F) {
	for _, s := range messageSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseMessage(raw)
		if err != nil {
			if m != (Message{}) {
				t.Fatalf("refused (%v) but returned %+v", err, m)
			}
			return
		}
		if m.FromUserName == "" || m.MsgType == "" {
			t.Fatalf("accepted a message without a sender or a type: %+v", m)
		}
		var ref wireMessage
		if err := xml.Unmarshal(raw, &ref); err != nil {
			t.Fatalf("accepted what WeChat's format does not decode (%v): %q", err, raw)
		}
		want := Message{ToUserName: ref.ToUserName, FromUserName: ref.FromUserName, CreateTime: ref.CreateTime, MsgType: ref.MsgType,
			MsgID: ref.MsgID, Content: ref.Content, Event: ref.Event, EventKey: ref.EventKey, Ticket: ref.Ticket}
		if m != want {
			t.Fatalf("parsed %+v\nWeChat's format says %+v", m, want)
		}
		again, err := xml.Marshal(ref)
		if err != nil {
			t.Fatalf("marshal %+v: %v", ref, err)
		}
		back, err := parseMessage(again)
		if err != nil || back != m {
			t.Fatalf("round trip through %s gave %+v, %v; want %+v", again, back, err, m)
		}
	})
}
