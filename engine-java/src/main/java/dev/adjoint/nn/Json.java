package dev.adjoint.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259) for model files: objects become {@code Map}s, arrays
 * {@code List}s, numbers {@code Double}s (rejected when outside the double range, so that no
 * weight silently becomes infinite), strings, booleans and null. Errors name the source, line and
 * column. Stateless apart from one parse; not shared between threads.
 */
final class Json {
  private final String source;
  private final String text;
  private int at;

  private Json(String source, String text) {
    this.source = source;
    this.text = text;
  }

  /** Parses text (named source in errors) as one JSON value. */
  static Object parse(String source, String text) {
    Json p = new Json(source, text);
    p.space();
    Object v = p.value();
    p.space();
    if (p.at < text.length()) throw p.error("unexpected '" + text.charAt(p.at) + "' after the value");
    return v;
  }

  private Object value() {
    if (at >= text.length()) throw error("unexpected end of input");
    char c = text.charAt(at);
    switch (c) {
      case '{': return object();
      case '[': return array();
      case '"': return string();
      case 't': return literal("true", Boolean.TRUE);
      case 'f': return literal("false", Boolean.FALSE);
      case 'n': return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected '" + c + "'");
    }
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    at++;
    space();
    if (peek('}')) return m;
    while (true) {
      space();
      if (at >= text.length() || text.charAt(at) != '"') throw error("expected a quoted key");
      String key = string();
      space();
      expect(':');
      space();
      if (m.put(key, value()) != null) throw error("key \"" + key + "\" appears twice");
      space();
      if (peek('}')) return m;
      expect(',');
    }
  }

  private List<Object> array() {
    List<Object> list = new ArrayList<>();
    at++;
    space();
    if (peek(']')) return list;
    while (true) {
      space();
      list.add(value());
      space();
      if (peek(']')) return list;
      expect(',');
    }
  }

  private String string() {
    StringBuilder b = new StringBuilder();
    at++;
    while (true) {
      if (at >= text.length()) throw error("unterminated string");
      char c = text.charAt(at++);
      if (c == '"') return b.toString();
      if (c < 0x20) throw error("control character in a string");
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (at >= text.length()) throw error("unterminated string");
      char e = text.charAt(at++);
      switch (e) {
        case '"': case '\\': case '/': b.append(e); break;
        case 'b': b.append('\b'); break;
        case 'f': b.append('\f'); break;
        case 'n': b.append('\n'); break;
        case 'r': b.append('\r'); break;
        case 't': b.append('\t'); break;
        case 'u':
          if (at + 4 > text.length()) throw error("short \\u escape");
          try {
            b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException x) {
            throw error("bad \\u escape");
          }
          at += 4;
          break;
        default: throw error("bad escape '\\" + e + "'");
      }
    }
  }

  private Double number() {
    int start = at;
    if (peek('-')) { /* sign */ }
    if (at < text.length() && text.charAt(at) == '0') {
      at++;
    } else {
      digits();
    }
    if (peek('.')) digits();
    if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
      at++;
      if (!peek('+')) peek('-');
      digits();
    }
    String s = text.substring(start, at);
    double v = Double.parseDouble(s);
    if (!Double.isFinite(v)) {
      at = start;
      throw error("the number " + s + " is outside the range of a double");
    }
    return v;
  }

  private void digits() {
    int start = at;
    while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
    if (at == start) throw error("expected a digit");
  }

  private Object literal(String word, Object v) {
    if (!text.startsWith(word, at)) throw error("unexpected '" + text.charAt(at) + "'");
    at += word.length();
    return v;
  }

  private boolean peek(char c) {
    if (at < text.length() && text.charAt(at) == c) {
      at++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!peek(c)) throw error(at < text.length() ? "expected '" + c + "', found '" + text.charAt(at) + "'" : "expected '" + c + "', found the end");
  }

  private void space() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      at++;
    }
  }

  private IllegalArgumentException error(String what) {
    int line = 1, col = 1;
    for (int i = 0; i < at && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return new IllegalArgumentException(source + ":" + line + ":" + col + ": " + what);
  }
}
