#include <gtest/gtest.h>

#include <cmath>
#include <string>

extern "C" {
#include "base/status.h"
}
#include "io/json.h"

namespace {

// Parses text that must be valid; the tree is freed with the holder.
struct Parsed {
  mrw_json *root = nullptr;
  mrw_error err{};
  mrw_status status;
  explicit Parsed(const std::string &text)
      : status(mrw_json_parse(text.data(), text.size(), &root, &err)) {}
  ~Parsed() { mrw_json_free(root); }
  Parsed(const Parsed &) = delete;
  Parsed &operator=(const Parsed &) = delete;
};

// Asserts that text is refused with a message containing each of the words.
::testing::AssertionResult Refused(const std::string &text,
                                   std::initializer_list<const char *> words) {
  Parsed parsed(text);
  if (parsed.status != MRW_ERR_INVALID_ARGUMENT || parsed.root != nullptr) {
    return ::testing::AssertionFailure() << "accepted: " << text;
  }
  std::string message = parsed.err.message;
  for (const char *word : words) {
    if (message.find(word) == std::string::npos) {
      return ::testing::AssertionFailure() << "message '" << message << "' lacks '" << word << "'";
    }
  }
  return ::testing::AssertionSuccess();
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST(IoJson, Literals) {
  Parsed t("true"), f(" false "), n("\tnull\r\n");
  ASSERT_EQ(t.status, MRW_OK);
  ASSERT_EQ(f.status, MRW_OK);
  ASSERT_EQ(n.status, MRW_OK);
  EXPECT_EQ(mrw_json_type_of(t.root), MRW_JSON_BOOL);
  EXPECT_EQ(mrw_json_bool(t.root), 1);
  EXPECT_EQ(mrw_json_bool(f.root), 0);
  EXPECT_EQ(mrw_json_type_of(n.root), MRW_JSON_NULL);
}

TEST(IoJson, Numbers) {
  const struct {
    const char *text;
    double value;
  } cases[] = {{"0", 0.0},      {"-0", -0.0},       {"7", 7.0},
               {"-12", -12.0},  {"3.25", 3.25},     {"1e3", 1000.0},
               {"1E+2", 100.0}, {"2.5e-3", 0.0025}, {"123456789012", 123456789012.0},
               {"1e-400", 0.0}, {"0.1", 0.1}};
  for (const auto &c : cases) {
    Parsed p(c.text);
    ASSERT_EQ(p.status, MRW_OK) << c.text << ": " << p.err.message;
    EXPECT_EQ(mrw_json_type_of(p.root), MRW_JSON_NUMBER);
    EXPECT_EQ(mrw_json_number(p.root), c.value) << c.text;
  }
  Parsed negative_zero("-0");
  EXPECT_TRUE(std::signbit(mrw_json_number(negative_zero.root)));
  // Longer than any fixed buffer: still exact.
  Parsed long_number("1." + std::string(200, '0') + "1");
  ASSERT_EQ(long_number.status, MRW_OK);
  EXPECT_EQ(mrw_json_number(long_number.root), 1.0);
}

TEST(IoJson, StringsAndEscapes) {
  Parsed p(R"("a\"b\\c\/d\b\f\n\r\t")");
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_STREQ(mrw_json_string(p.root), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(mrw_json_string_length(p.root), 12u);

  Parsed unicode(R"("\u0041\u00e9\u20AC")");
  ASSERT_EQ(unicode.status, MRW_OK) << unicode.err.message;
  EXPECT_STREQ(mrw_json_string(unicode.root), "A\xC3\xA9\xE2\x82\xAC");

  Parsed raw("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  ASSERT_EQ(raw.status, MRW_OK) << raw.err.message;
  EXPECT_STREQ(mrw_json_string(raw.root), "caf\xC3\xA9 \xF0\x9F\x98\x80");

  Parsed empty("\"\"");
  ASSERT_EQ(empty.status, MRW_OK);
  EXPECT_STREQ(mrw_json_string(empty.root), "");
}

TEST(IoJson, SurrogatePairsBecomeUtf8) {
  Parsed p(R"("\ud83d\ude00 \uD834\uDD1E")");  // U+1F600, U+1D11E
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_STREQ(mrw_json_string(p.root), "\xF0\x9F\x98\x80 \xF0\x9D\x84\x9E");
  Parsed highest(R"("\uDBFF\uDFFF")");  // U+10FFFF
  ASSERT_EQ(highest.status, MRW_OK);
  EXPECT_STREQ(mrw_json_string(highest.root), "\xF4\x8F\xBF\xBF");
}

TEST(IoJson, ArraysAndObjects) {
  Parsed p(R"({"b": [1, "two", null, {"x": true}], "a": {}, "c": [], "": 5})");
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  ASSERT_EQ(mrw_json_type_of(p.root), MRW_JSON_OBJECT);
  ASSERT_EQ(mrw_json_length(p.root), 4u);
  // Members keep text order.
  EXPECT_STREQ(mrw_json_key_at(p.root, 0), "b");
  EXPECT_STREQ(mrw_json_key_at(p.root, 1), "a");
  EXPECT_STREQ(mrw_json_key_at(p.root, 2), "c");
  EXPECT_STREQ(mrw_json_key_at(p.root, 3), "");
  EXPECT_EQ(mrw_json_key_at(p.root, 4), nullptr);
  const mrw_json *b = mrw_json_get(p.root, "b");
  ASSERT_EQ(mrw_json_type_of(b), MRW_JSON_ARRAY);
  ASSERT_EQ(mrw_json_length(b), 4u);
  EXPECT_EQ(mrw_json_number(mrw_json_at(b, 0)), 1.0);
  EXPECT_STREQ(mrw_json_string(mrw_json_at(b, 1)), "two");
  EXPECT_EQ(mrw_json_type_of(mrw_json_at(b, 2)), MRW_JSON_NULL);
  EXPECT_EQ(mrw_json_bool(mrw_json_get(mrw_json_at(b, 3), "x")), 1);
  EXPECT_EQ(mrw_json_at(b, 4), nullptr);
  EXPECT_EQ(mrw_json_at(p.root, 0), b);
  EXPECT_EQ(mrw_json_length(mrw_json_get(p.root, "a")), 0u);
  EXPECT_EQ(mrw_json_type_of(mrw_json_get(p.root, "c")), MRW_JSON_ARRAY);
  EXPECT_EQ(mrw_json_number(mrw_json_get(p.root, "")), 5.0);
  EXPECT_EQ(mrw_json_get(p.root, "missing"), nullptr);
  EXPECT_EQ(mrw_json_get(b, "b"), nullptr);  // not an object
}

TEST(IoJson, LookupInLargeObject) {
  std::string text = "{";
  for (int i = 999; i >= 0; i--) {
    text += "\"key" + std::to_string(i) + "\": " + std::to_string(i) + (i ? "," : "}");
  }
  Parsed p(text);
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  ASSERT_EQ(mrw_json_length(p.root), 1000u);
  for (int i = 0; i < 1000; i++) {
    std::string key = "key" + std::to_string(i);
    EXPECT_EQ(mrw_json_number(mrw_json_get(p.root, key.c_str())), i);
  }
  EXPECT_EQ(mrw_json_get(p.root, "key1000"), nullptr);
}

TEST(IoJson, AccessorsOfWrongTypeAnswerNothing) {
  Parsed p("\"text\"");
  ASSERT_EQ(p.status, MRW_OK);
  EXPECT_EQ(mrw_json_length(p.root), 0u);
  EXPECT_EQ(mrw_json_number(p.root), 0.0);
  EXPECT_EQ(mrw_json_bool(p.root), 0);
  EXPECT_EQ(mrw_json_at(p.root, 0), nullptr);
  EXPECT_EQ(mrw_json_key_at(p.root, 0), nullptr);
  EXPECT_EQ(mrw_json_string(nullptr), nullptr);
  EXPECT_EQ(mrw_json_type_of(nullptr), MRW_JSON_NULL);
  mrw_json_free(nullptr);
}

TEST(IoJson, DepthLimit) {
  Parsed deepest(Nested(MRW_JSON_MAX_DEPTH));
  EXPECT_EQ(deepest.status, MRW_OK) << deepest.err.message;
  EXPECT_TRUE(Refused(Nested(MRW_JSON_MAX_DEPTH + 1), {"nesting deeper than 64", "byte 64"}));
  std::string objects;
  for (int i = 0; i <= MRW_JSON_MAX_DEPTH; i++) objects += "{\"a\":";
  EXPECT_TRUE(Refused(objects, {"nesting deeper than 64"}));
  // Far deeper input fails the same way, without deep recursion.
  EXPECT_TRUE(Refused(std::string(100000, '['), {"nesting deeper"}));
}

TEST(IoJson, ErrorsNameCharacterAndOffset) {
  EXPECT_TRUE(Refused("[1, 2, x]", {"JSON: unexpected character 'x' at byte 7"}));
  EXPECT_TRUE(Refused("{\"a\" 1}", {"unexpected character '1' at byte 5"}));
  EXPECT_TRUE(Refused("[1,\x01]", {"unexpected byte 0x01 at byte 3"}));
  EXPECT_TRUE(Refused("", {"unexpected end of input at byte 0"}));
  EXPECT_TRUE(Refused("   ", {"unexpected end of input at byte 3"}));
}

TEST(IoJson, RefusesMalformedStructure) {
  EXPECT_TRUE(Refused("[1, 2", {"end of input"}));
  EXPECT_TRUE(Refused("[1 2]", {"unexpected character '2'"}));
  EXPECT_TRUE(Refused("[1,]", {"unexpected character ']'"}));
  EXPECT_TRUE(Refused("{\"a\":1,}", {"unexpected character '}'"}));
  EXPECT_TRUE(Refused("{a:1}", {"unexpected character 'a'"}));
  EXPECT_TRUE(Refused("{'a':1}", {"unexpected character '''"}));
  EXPECT_TRUE(Refused("{\"a\"}", {"unexpected character '}'"}));
  EXPECT_TRUE(Refused("[1] // comment", {"trailing characters", "byte 4"}));
  EXPECT_TRUE(Refused("{} {}", {"trailing characters"}));
  EXPECT_TRUE(Refused("tru", {"end of input"}));
  EXPECT_TRUE(Refused("nul", {"end of input"}));
  EXPECT_TRUE(Refused("True", {"unexpected character 'T'"}));
  EXPECT_TRUE(Refused("\xEF\xBB\xBF{}", {"unexpected byte 0xEF at byte 0"}));  // BOM
}

TEST(IoJson, RefusesNonJsonNumbers) {
  EXPECT_TRUE(Refused("01", {"leading zero"}));
  EXPECT_TRUE(Refused("-012", {"leading zero"}));
  EXPECT_TRUE(Refused("NaN", {"unexpected character 'N'"}));
  EXPECT_TRUE(Refused("Infinity", {"unexpected character 'I'"}));
  EXPECT_TRUE(Refused("-Infinity", {"unexpected character 'I' at byte 1"}));
  EXPECT_TRUE(Refused("[nan]", {"unexpected character 'a'"}));
  EXPECT_TRUE(Refused("+1", {"unexpected character '+'"}));
  EXPECT_TRUE(Refused(".5", {"unexpected character '.'"}));
  EXPECT_TRUE(Refused("1.", {"end of input"}));
  EXPECT_TRUE(Refused("1.e3", {"unexpected character 'e'"}));
  EXPECT_TRUE(Refused("1e", {"end of input"}));
  EXPECT_TRUE(Refused("1e+", {"end of input"}));
  EXPECT_TRUE(Refused("-", {"end of input"}));
  EXPECT_TRUE(Refused("0x10", {"trailing characters"}));
  EXPECT_TRUE(Refused("1e400", {"number out of range"}));
  EXPECT_TRUE(Refused("-1e400", {"number out of range"}));
}

TEST(IoJson, RefusesBadStrings) {
  EXPECT_TRUE(Refused("\"abc", {"unterminated string"}));
  EXPECT_TRUE(Refused("\"abc\\\"", {"unterminated string"}));
  EXPECT_TRUE(Refused(R"("\x")", {"bad escape", "byte 1"}));
  EXPECT_TRUE(Refused(R"("\u12")", {"bad \\u escape"}));
  EXPECT_TRUE(Refused(R"("\u12G4")", {"bad \\u escape"}));
  EXPECT_TRUE(Refused(R"("\u0000")", {"\\u0000"}));
  EXPECT_TRUE(Refused(std::string("\"a\0b\"", 5), {"control character", "byte 2"}));
  EXPECT_TRUE(Refused("\"tab\there\"", {"control character"}));
  EXPECT_TRUE(Refused("\"line\nbreak\"", {"control character"}));
}

TEST(IoJson, RefusesUnpairedSurrogates) {
  EXPECT_TRUE(Refused(R"("\ud83d")", {"unpaired high surrogate"}));
  EXPECT_TRUE(Refused(R"("\ud83dx")", {"unpaired high surrogate"}));
  EXPECT_TRUE(Refused(R"("\ud83d\u0041")", {"unpaired high surrogate"}));
  EXPECT_TRUE(Refused(R"("\ud83d\ud83d")", {"unpaired high surrogate"}));
  EXPECT_TRUE(Refused(R"("\ude00")", {"unpaired low surrogate"}));
  EXPECT_TRUE(Refused(R"("\ude00\ud83d")", {"unpaired low surrogate"}));
}

TEST(IoJson, RefusesInvalidUtf8) {
  const char *bad[] = {
      "\"\x80\"",              // stray continuation byte
      "\"\xC0\x80\"",          // overlong NUL
      "\"\xC1\xBF\"",          // overlong
      "\"\xE0\x80\xAF\"",      // overlong three-byte
      "\"\xED\xA0\x80\"",      // encoded surrogate U+D800
      "\"\xF0\x80\x80\xAF\"",  // overlong four-byte
      "\"\xF4\x90\x80\x80\"",  // above U+10FFFF
      "\"\xF5\x80\x80\x80\"",  // invalid lead byte
      "\"\xFF\"",              // invalid byte
      "\"\xE2\x82\"",          // truncated sequence
      "\"\xC3\x28\"",          // bad continuation
  };
  for (const char *text : bad) {
    EXPECT_TRUE(Refused(text, {"invalid UTF-8", "at byte 1"})) << text;
  }
}

TEST(IoJson, RefusesDuplicateKeysNamingThem) {
  EXPECT_TRUE(
      Refused(R"({"weight": 1, "bias": 2, "weight": 3})", {"duplicate key 'weight'", "byte 25"}));
  EXPECT_TRUE(Refused(R"({"a": {"x": 1, "x": 1}})", {"duplicate key 'x'"}));
  // Keys equal after unescaping are duplicates too.
  EXPECT_TRUE(Refused(R"({"A": 1, "\u0041": 2})", {"duplicate key 'A'"}));
  Parsed distinct(R"({"a": 1, "A": 2, "a ": 3})");
  EXPECT_EQ(distinct.status, MRW_OK) << distinct.err.message;
}

TEST(IoJson, TextNeedsNoTerminator) {
  const char text[] = {'[', '1', ']', 'x'};
  mrw_json *root = nullptr;
  ASSERT_EQ(mrw_json_parse(text, 3, &root, nullptr), MRW_OK);
  EXPECT_EQ(mrw_json_length(root), 1u);
  mrw_json_free(root);
}

TEST(IoJson, RefusesMissingArguments) {
  mrw_error err{};
  EXPECT_EQ(mrw_json_parse("1", 1, nullptr, &err), MRW_ERR_INVALID_ARGUMENT);
  mrw_json *root = nullptr;
  EXPECT_EQ(mrw_json_parse(nullptr, 4, &root, &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(root, nullptr);
}
