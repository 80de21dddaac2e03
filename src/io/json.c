#include "io/json.h"

#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/checked_math.h"

struct mrw_json {
  mrw_json_type type;
  size_t length; /* string: bytes without the NUL; array/object: element/member count */
  union {
    int boolean;
    double number;
    char *string;
    struct {
      mrw_json *values; /* array elements, or object member values in text order */
      char **keys;      /* object only: member keys, parallel to values */
      size_t *by_key;   /* object only: member indices sorted by key, for lookup */
    } container;
  } u;
};

typedef struct json_parser {
  const unsigned char *text;
  size_t length;
  size_t pos;
  int depth;
  mrw_error *err;
} json_parser;

/* An object member while its object is being parsed; key_offset is kept for messages. */
typedef struct json_member {
  char *key;
  size_t key_offset;
  mrw_json value;
} json_member;

static mrw_status parse_value(json_parser *p, mrw_json *out);

/* ---- tree release ---- */

/* Frees what v owns, not v itself (values of a container live in one array). */
static void json_release(mrw_json *v) {
  if (v->type == MRW_JSON_STRING) {
    free(v->u.string);
  } else if (v->type == MRW_JSON_ARRAY || v->type == MRW_JSON_OBJECT) {
    for (size_t i = 0; i < v->length; i++) {
      json_release(&v->u.container.values[i]);
      if (v->u.container.keys) free(v->u.container.keys[i]);
    }
    free(v->u.container.values);
    free(v->u.container.keys);
    free(v->u.container.by_key);
  }
}

void mrw_json_free(mrw_json *root) {
  if (!root) return;
  json_release(root);
  free(root);
}

/* ---- errors ---- */

static mrw_status fail_at(json_parser *p, const char *problem, size_t offset) {
  return mrw_error_set(p->err, MRW_ERR_INVALID_ARGUMENT, "JSON: %s at byte %zu", problem, offset);
}

static mrw_status fail_out_of_memory(json_parser *p) {
  return mrw_error_set(p->err, MRW_ERR_OUT_OF_MEMORY, "JSON: out of memory at byte %zu", p->pos);
}

/* Names the byte at the current position: the generic syntax error. */
static mrw_status fail_unexpected(json_parser *p) {
  if (p->pos >= p->length) return fail_at(p, "unexpected end of input", p->pos);
  unsigned char c = p->text[p->pos];
  if (c > 0x20 && c < 0x7F) {
    return mrw_error_set(p->err, MRW_ERR_INVALID_ARGUMENT,
                         "JSON: unexpected character '%c' at byte %zu", (char)c, p->pos);
  }
  return mrw_error_set(p->err, MRW_ERR_INVALID_ARGUMENT,
                       "JSON: unexpected byte 0x%02X at byte %zu", (unsigned)c, p->pos);
}

/* ---- lexical helpers ---- */

static int peek(const json_parser *p) { return p->pos < p->length ? p->text[p->pos] : -1; }

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static void skip_whitespace(json_parser *p) {
  while (p->pos < p->length) {
    unsigned char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    p->pos++;
  }
}

static mrw_status expect(json_parser *p, char c) {
  if (peek(p) != c) return fail_unexpected(p);
  p->pos++;
  return MRW_OK;
}

/* Doubles *capacity (at least to `minimum`) and reallocates; on failure items stays valid. */
static void *grow_array(void *items, size_t *capacity, size_t element_size, size_t minimum) {
  size_t count = *capacity < minimum ? minimum : *capacity;
  size_t bytes;
  if (*capacity >= minimum && !mrw_size_mul(count, 2, &count)) return NULL;
  if (!mrw_size_mul(count, element_size, &bytes)) return NULL;
  void *grown = realloc(items, bytes);
  if (grown) *capacity = count;
  return grown;
}

/* ---- literals and numbers ---- */

static mrw_status parse_literal(json_parser *p, const char *word, mrw_json *out) {
  for (size_t i = 0; word[i]; i++) {
    if (peek(p) != word[i]) return fail_unexpected(p);
    p->pos++;
  }
  memset(out, 0, sizeof *out);
  if (word[0] == 'n') {
    out->type = MRW_JSON_NULL;
  } else {
    out->type = MRW_JSON_BOOL;
    out->u.boolean = word[0] == 't';
  }
  return MRW_OK;
}

static void skip_digits(json_parser *p) {
  while (is_digit(peek(p))) p->pos++;
}

/* Converts the validated number text with strtod. strtod follows LC_NUMERIC, so the '.' is
 * replaced by the locale's decimal point in a copy: the result is locale-independent. */
static mrw_status convert_number(json_parser *p, size_t start, mrw_json *out) {
  const char *point = localeconv()->decimal_point;
  if (!point || !point[0]) point = ".";
  size_t point_length = strlen(point);
  char small[64];
  char *copy = small;
  size_t capacity = p->pos - start + point_length + 1;
  if (capacity > sizeof small) {
    copy = malloc(capacity);
    if (!copy) return fail_out_of_memory(p);
  }
  size_t n = 0;
  for (size_t i = start; i < p->pos; i++) {
    if (p->text[i] == '.') {
      memcpy(copy + n, point, point_length);
      n += point_length;
    } else {
      copy[n++] = (char)p->text[i];
    }
  }
  copy[n] = '\0';
  char *end = NULL;
  double value = strtod(copy, &end);
  bool consumed_all = end == copy + n;
  if (copy != small) free(copy);
  if (!consumed_all) return fail_at(p, "malformed number", start);
  if (isinf(value)) return fail_at(p, "number out of range", start);
  memset(out, 0, sizeof *out);
  out->type = MRW_JSON_NUMBER;
  out->u.number = value;
  return MRW_OK;
}

/* number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ] */
static mrw_status parse_number(json_parser *p, mrw_json *out) {
  size_t start = p->pos;
  if (peek(p) == '-') p->pos++;
  if (peek(p) == '0') {
    p->pos++;
    if (is_digit(peek(p))) return fail_at(p, "leading zero in number", start);
  } else if (is_digit(peek(p))) {
    skip_digits(p);
  } else {
    return fail_unexpected(p);
  }
  if (peek(p) == '.') {
    p->pos++;
    if (!is_digit(peek(p))) return fail_unexpected(p);
    skip_digits(p);
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (!is_digit(peek(p))) return fail_unexpected(p);
    skip_digits(p);
  }
  return convert_number(p, start, out);
}

/* ---- strings ---- */

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 if it is not one. */
static size_t utf8_sequence_length(const unsigned char *s, size_t available) {
  unsigned char lead = s[0];
  size_t length;
  unsigned char second_min = 0x80, second_max = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  if (available < length) return 0;
  if (s[1] < second_min || s[1] > second_max) return 0;
  for (size_t i = 2; i < length; i++) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return length;
}

static size_t utf8_encode(uint32_t code_point, char *out) {
  if (code_point < 0x80) {
    out[0] = (char)code_point;
    return 1;
  }
  if (code_point < 0x800) {
    out[0] = (char)(0xC0 | (code_point >> 6));
    out[1] = (char)(0x80 | (code_point & 0x3F));
    return 2;
  }
  if (code_point < 0x10000) {
    out[0] = (char)(0xE0 | (code_point >> 12));
    out[1] = (char)(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code_point & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code_point >> 18));
  out[1] = (char)(0x80 | ((code_point >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code_point >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code_point & 0x3F));
  return 4;
}

/* Reads the four hex digits of a "\uXXXX" escape starting at its backslash; false if
 * the escape is not complete before end. */
static bool read_unicode_escape(const unsigned char *text, size_t at, size_t end, uint32_t *unit) {
  if (end - at < 6 || text[at] != '\\' || text[at + 1] != 'u') return false;
  uint32_t value = 0;
  for (size_t i = at + 2; i < at + 6; i++) {
    unsigned char c = text[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') digit = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') digit = (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = (uint32_t)(c - 'A' + 10);
    else return false;
    value = value * 16 + digit;
  }
  *unit = value;
  return true;
}

/* Decodes "\uXXXX" (or a surrogate pair of two) at text[*at] into UTF-8. */
static mrw_status decode_unicode_escape(json_parser *p, size_t *at, size_t end, char *out,
                                        size_t *written) {
  uint32_t unit = 0, low = 0;
  if (!read_unicode_escape(p->text, *at, end, &unit)) return fail_at(p, "bad \\u escape", *at);
  if (unit == 0) return fail_at(p, "\\u0000 (NUL) in string", *at);
  if (unit >= 0xDC00 && unit <= 0xDFFF) return fail_at(p, "unpaired low surrogate", *at);
  uint32_t code_point = unit;
  size_t consumed = 6;
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    if (!read_unicode_escape(p->text, *at + 6, end, &low) || low < 0xDC00 || low > 0xDFFF) {
      return fail_at(p, "unpaired high surrogate", *at);
    }
    code_point = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    consumed = 12;
  }
  *written = utf8_encode(code_point, out);
  *at += consumed;
  return MRW_OK;
}

/* Decodes the escape at text[*at] (a backslash) into out. */
static mrw_status decode_escape(json_parser *p, size_t *at, size_t end, char *out,
                                size_t *written) {
  if (end - *at < 2) return fail_at(p, "bad escape", *at);
  char simple;
  switch (p->text[*at + 1]) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '/': simple = '/'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'u': return decode_unicode_escape(p, at, end, out, written);
    default: return fail_at(p, "bad escape", *at);
  }
  out[0] = simple;
  *written = 1;
  *at += 2;
  return MRW_OK;
}

/* Offset of the quote that closes the string whose body starts at p->pos. */
static mrw_status find_string_end(json_parser *p, size_t opening, size_t *end) {
  size_t i = p->pos;
  while (i < p->length) {
    unsigned char c = p->text[i];
    if (c == '"') {
      *end = i;
      return MRW_OK;
    }
    i += c == '\\' ? 2 : 1;
  }
  return fail_at(p, "unterminated string starting", opening);
}

/* Decodes text[p->pos, end) into out, which has room for end - p->pos bytes: no escape or
 * sequence decodes to more bytes than it occupies. */
static mrw_status decode_string_body(json_parser *p, size_t end, char *out, size_t *length) {
  size_t n = 0;
  size_t i = p->pos;
  while (i < end) {
    unsigned char c = p->text[i];
    if (c == '\\') {
      size_t written = 0;
      mrw_status status = decode_escape(p, &i, end, out + n, &written);
      if (status != MRW_OK) return status;
      n += written;
    } else if (c < 0x20) {
      return fail_at(p, "unescaped control character in string", i);
    } else {
      size_t sequence = utf8_sequence_length(p->text + i, end - i);
      if (sequence == 0) return fail_at(p, "invalid UTF-8", i);
      memcpy(out + n, p->text + i, sequence);
      n += sequence;
      i += sequence;
    }
  }
  *length = n;
  return MRW_OK;
}

/* Parses a string at p->pos (its opening quote) into a new NUL-terminated buffer. */
static mrw_status parse_string(json_parser *p, char **chars, size_t *length) {
  size_t opening = p->pos;
  mrw_status status = expect(p, '"');
  if (status != MRW_OK) return status;
  size_t end = 0;
  status = find_string_end(p, opening, &end);
  if (status != MRW_OK) return status;
  char *buffer = malloc(end - p->pos + 1);
  if (!buffer) return fail_out_of_memory(p);
  status = decode_string_body(p, end, buffer, length);
  if (status != MRW_OK) {
    free(buffer);
    return status;
  }
  buffer[*length] = '\0';
  *chars = buffer;
  p->pos = end + 1;
  return MRW_OK;
}

static mrw_status parse_string_value(json_parser *p, mrw_json *out) {
  memset(out, 0, sizeof *out);
  char *chars = NULL;
  size_t length = 0;
  mrw_status status = parse_string(p, &chars, &length);
  if (status != MRW_OK) return status;
  out->type = MRW_JSON_STRING;
  out->u.string = chars;
  out->length = length;
  return MRW_OK;
}

/* ---- containers ---- */

static mrw_status enter_container(json_parser *p) {
  if (p->depth >= MRW_JSON_MAX_DEPTH) return fail_at(p, "nesting deeper than 64 levels", p->pos);
  p->depth++;
  p->pos++; /* the opening bracket */
  skip_whitespace(p);
  return MRW_OK;
}

/* After an element: true at the closing bracket, false after a comma; else an error. */
static mrw_status next_or_close(json_parser *p, char close, bool *closed) {
  skip_whitespace(p);
  int c = peek(p);
  if (c != ',' && c != close) return fail_unexpected(p);
  p->pos++;
  *closed = c == close;
  if (!*closed) skip_whitespace(p);
  return MRW_OK;
}

static mrw_status parse_array(json_parser *p, mrw_json *out) {
  mrw_status status = enter_container(p);
  if (status != MRW_OK) return status;
  mrw_json *values = NULL;
  size_t count = 0, capacity = 0;
  bool closed = peek(p) == ']';
  if (closed) p->pos++;
  while (!closed) {
    if (count == capacity) {
      mrw_json *grown = grow_array(values, &capacity, sizeof *values, 4);
      if (!grown) {
        status = fail_out_of_memory(p);
        break;
      }
      values = grown;
    }
    status = parse_value(p, &values[count]);
    if (status != MRW_OK) break;
    count++;
    status = next_or_close(p, ']', &closed);
    if (status != MRW_OK) break;
  }
  memset(out, 0, sizeof *out);
  out->type = MRW_JSON_ARRAY;
  out->length = count;
  out->u.container.values = values;
  if (status != MRW_OK) {
    json_release(out);
    return status;
  }
  p->depth--;
  return MRW_OK;
}

static mrw_status parse_member(json_parser *p, json_member *member) {
  member->key_offset = p->pos;
  if (peek(p) != '"') return fail_unexpected(p);
  size_t key_length = 0;
  mrw_status status = parse_string(p, &member->key, &key_length);
  if (status != MRW_OK) return status;
  skip_whitespace(p);
  status = expect(p, ':');
  if (status == MRW_OK) {
    skip_whitespace(p);
    status = parse_value(p, &member->value);
  }
  if (status != MRW_OK) free(member->key);
  return status;
}

typedef struct key_ref {
  const char *key;
  size_t index;
} key_ref;

static int compare_key_refs(const void *a, const void *b) {
  const key_ref *x = a, *y = b;
  int order = strcmp(x->key, y->key);
  if (order != 0) return order;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Sorts the member indices by key into by_key, failing on the first duplicate key. */
static mrw_status index_keys(json_parser *p, const json_member *members, size_t count,
                             size_t *by_key) {
  key_ref *refs = malloc(count * sizeof *refs);
  if (!refs) return fail_out_of_memory(p);
  for (size_t i = 0; i < count; i++) refs[i] = (key_ref){members[i].key, i};
  qsort(refs, count, sizeof *refs, compare_key_refs);
  mrw_status status = MRW_OK;
  for (size_t i = 0; i < count; i++) {
    by_key[i] = refs[i].index;
    if (i > 0 && strcmp(refs[i - 1].key, refs[i].key) == 0) {
      size_t offset = members[refs[i].index].key_offset; /* the later occurrence */
      status = mrw_error_set(p->err, MRW_ERR_INVALID_ARGUMENT,
                             "JSON: duplicate key '%.200s' at byte %zu", refs[i].key, offset);
      break;
    }
  }
  free(refs);
  return status;
}

static void release_member_contents(json_member *members, size_t count) {
  for (size_t i = 0; i < count; i++) {
    free(members[i].key);
    json_release(&members[i].value);
  }
}

/* Moves the contents of the parsed members into the object node out and builds its key
 * index. On failure nothing is left to release. */
static mrw_status finish_object(json_parser *p, json_member *members, size_t count,
                                mrw_json *out) {
  memset(out, 0, sizeof *out);
  out->type = MRW_JSON_OBJECT;
  if (count == 0) return MRW_OK;
  mrw_json *values = malloc(count * sizeof *values);
  char **keys = malloc(count * sizeof *keys);
  size_t *by_key = malloc(count * sizeof *by_key);
  if (!values || !keys || !by_key) {
    free(values);
    free(keys);
    free(by_key);
    release_member_contents(members, count);
    return fail_out_of_memory(p);
  }
  for (size_t i = 0; i < count; i++) {
    values[i] = members[i].value;
    keys[i] = members[i].key;
  }
  out->length = count;
  out->u.container.values = values;
  out->u.container.keys = keys;
  out->u.container.by_key = by_key;
  mrw_status status = index_keys(p, members, count, by_key);
  if (status != MRW_OK) json_release(out);
  return status;
}

static mrw_status parse_object(json_parser *p, mrw_json *out) {
  mrw_status status = enter_container(p);
  if (status != MRW_OK) return status;
  json_member *members = NULL;
  size_t count = 0, capacity = 0;
  bool closed = peek(p) == '}';
  if (closed) p->pos++;
  while (!closed) {
    if (count == capacity) {
      json_member *grown = grow_array(members, &capacity, sizeof *members, 4);
      if (!grown) {
        status = fail_out_of_memory(p);
        break;
      }
      members = grown;
    }
    status = parse_member(p, &members[count]);
    if (status != MRW_OK) break;
    count++;
    status = next_or_close(p, '}', &closed);
    if (status != MRW_OK) break;
  }
  if (status == MRW_OK) {
    status = finish_object(p, members, count, out);
  } else {
    release_member_contents(members, count);
  }
  free(members);
  if (status != MRW_OK) return status;
  p->depth--;
  return MRW_OK;
}

static mrw_status parse_value(json_parser *p, mrw_json *out) {
  switch (peek(p)) {
    case '{': return parse_object(p, out);
    case '[': return parse_array(p, out);
    case '"': return parse_string_value(p, out);
    case 't': return parse_literal(p, "true", out);
    case 'f': return parse_literal(p, "false", out);
    case 'n': return parse_literal(p, "null", out);
    default:
      if (peek(p) == '-' || is_digit(peek(p))) return parse_number(p, out);
      return fail_unexpected(p);
  }
}

mrw_status mrw_json_parse(const char *text, size_t length, mrw_json **out, mrw_error *err) {
  if (!out || (!text && length > 0)) {
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "JSON: no text or no output given");
  }
  *out = NULL;
  json_parser p = {(const unsigned char *)text, length, 0, 0, err};
  mrw_json value;
  skip_whitespace(&p);
  mrw_status status = parse_value(&p, &value);
  if (status != MRW_OK) return status;
  skip_whitespace(&p);
  if (p.pos != p.length) {
    json_release(&value);
    return fail_at(&p, "trailing characters after the value", p.pos);
  }
  mrw_json *root = malloc(sizeof *root);
  if (!root) {
    json_release(&value);
    return fail_out_of_memory(&p);
  }
  *root = value;
  *out = root;
  return MRW_OK;
}

/* ---- accessors ---- */

mrw_json_type mrw_json_type_of(const mrw_json *v) { return v ? v->type : MRW_JSON_NULL; }

static bool is_container(const mrw_json *v) {
  return v && (v->type == MRW_JSON_ARRAY || v->type == MRW_JSON_OBJECT);
}

size_t mrw_json_length(const mrw_json *v) { return is_container(v) ? v->length : 0; }

const mrw_json *mrw_json_at(const mrw_json *v, size_t i) {
  return is_container(v) && i < v->length ? &v->u.container.values[i] : NULL;
}

const char *mrw_json_key_at(const mrw_json *v, size_t i) {
  if (!v || v->type != MRW_JSON_OBJECT || i >= v->length) return NULL;
  return v->u.container.keys[i];
}

const mrw_json *mrw_json_get(const mrw_json *object, const char *key) {
  if (!object || object->type != MRW_JSON_OBJECT || !key) return NULL;
  size_t low = 0, high = object->length;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    size_t index = object->u.container.by_key[middle];
    int order = strcmp(key, object->u.container.keys[index]);
    if (order == 0) return &object->u.container.values[index];
    if (order < 0) high = middle;
    else low = middle + 1;
  }
  return NULL;
}

double mrw_json_number(const mrw_json *v) {
  return v && v->type == MRW_JSON_NUMBER ? v->u.number : 0.0;
}

const char *mrw_json_string(const mrw_json *v) {
  return v && v->type == MRW_JSON_STRING ? v->u.string : NULL;
}

size_t mrw_json_string_length(const mrw_json *v) {
  return v && v->type == MRW_JSON_STRING ? v->length : 0;
}

int mrw_json_bool(const mrw_json *v) { return v && v->type == MRW_JSON_BOOL && v->u.boolean; }
