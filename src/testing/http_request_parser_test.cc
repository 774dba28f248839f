#include "testing/http_request_parser.h"

#include <gtest/gtest.h>

namespace mh::testing {
namespace {

using Progress = HttpRequestParser::Progress;

TEST(HttpRequestParserTest, ReadsContentLengthBodyArrivingByteByByte) {
  std::string raw =
      "POST /v1/messages?beta=true HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "X-Api-Key: k\r\n\r\nhello";
  HttpRequestParser parser(1024);
  for (size_t i = 0; i + 1 < raw.size(); ++i) {
    parser.Append(raw.substr(i, 1));
    ASSERT_EQ(parser.Parse(), Progress::kNeedMore) << "at byte " << i;
  }
  parser.Append(raw.substr(raw.size() - 1));
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  HttpRequest r = parser.TakeRequest();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/messages");
  EXPECT_EQ(r.target, "/v1/messages?beta=true");
  EXPECT_EQ(r.body, "hello");
  ASSERT_NE(r.Header("x-api-key"), nullptr);
  EXPECT_EQ(*r.Header("x-api-key"), "k");
  EXPECT_TRUE(r.KeepAlive());
}

TEST(HttpRequestParserTest, DecodesChunkedBodyWithExtensionsAndTrailers) {
  HttpRequestParser parser(1024);
  parser.Append("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel");
  EXPECT_EQ(parser.Parse(), Progress::kNeedMore);
  parser.Append("lo\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  EXPECT_EQ(parser.TakeRequest().body, "hello world");
}

TEST(HttpRequestParserTest, KeepsPipelinedRequestForTheNextParse) {
  HttpRequestParser parser(1024);
  parser.Append("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  EXPECT_EQ(parser.TakeRequest().path, "/a");
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  HttpRequest b = parser.TakeRequest();
  EXPECT_EQ(b.path, "/b");
  EXPECT_FALSE(b.KeepAlive());
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(HttpRequestParserTest, RefusesOversizedBodiesWith413BeforeReadingThem) {
  HttpRequestParser parser(10);
  parser.Append("POST /x HTTP/1.1\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(parser.Parse(), Progress::kError);
  EXPECT_EQ(parser.error_status(), 413);
  EXPECT_NE(parser.error_message().find("exceeds the limit of 10 bytes"), std::string::npos);

  HttpRequestParser chunked(10);
  chunked.Append("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n6\r\n");
  ASSERT_EQ(chunked.Parse(), Progress::kError);
  EXPECT_EQ(chunked.error_status(), 413);
}

TEST(HttpRequestParserTest, ReportsExpectContinueOnlyWhileTheBodyIsMissing) {
  HttpRequestParser parser(100);
  parser.Append("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(parser.Parse(), Progress::kNeedMore);
  EXPECT_TRUE(parser.WantsContinue());
  parser.Append("abc");
  EXPECT_EQ(parser.Parse(), Progress::kComplete);
  EXPECT_FALSE(parser.WantsContinue());
}

TEST(HttpRequestParserTest, RejectsGarbage) {
  HttpRequestParser parser(100);
  parser.Append("NONSENSE\r\n\r\n");
  EXPECT_EQ(parser.Parse(), Progress::kError);
  EXPECT_EQ(parser.error_status(), 400);

  HttpRequestParser bad_length(100);
  bad_length.Append("POST /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\n");
  EXPECT_EQ(bad_length.Parse(), Progress::kError);
  EXPECT_EQ(bad_length.error_status(), 400);

  HttpRequestParser huge_headers(100, 64);
  huge_headers.Append("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'));
  EXPECT_EQ(huge_headers.Parse(), Progress::kError);
  EXPECT_EQ(huge_headers.error_status(), 431);
}

TEST(HttpRequestParserTest, Http10ClosesUnlessKeepAliveIsAsked) {
  HttpRequestParser parser(100);
  parser.Append("GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  EXPECT_FALSE(parser.TakeRequest().KeepAlive());
  ASSERT_EQ(parser.Parse(), Progress::kComplete);
  EXPECT_TRUE(parser.TakeRequest().KeepAlive());
}

}  // namespace
}  // namespace mh::testing
