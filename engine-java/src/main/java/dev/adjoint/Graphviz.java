package dev.adjoint;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Writes a graph of {@link Value}s as Graphviz DOT text, like micrograd's draw_dot. */
final class Graphviz {
  private Graphviz() {}

  static String dot(Value root) {
    StringBuilder out = new StringBuilder(256);
    out.append("digraph adjoint {\n  rankdir=LR;\n")
        .append("  node [fontname=\"Helvetica\", fontsize=11];\n");
    Sweep.Order o = Sweep.linearise(root);
    Map<Value, Integer> id = new IdentityHashMap<>();
    // a user primitive's number rides in a constant leaf that is not one of its inputs: not drawn
    Set<Value> hidden = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < o.innerCount; i++) {
      Value v = o.inner[i];
      if (v.op == Op.PRIMITIVE) hidden.add(v.args[v.args.length - 1]);
    }
    for (int j = 0; j < o.leafCount; j++) if (!hidden.contains(o.leaves[j])) node(out, o.leaves[j], id);
    for (int i = 0; i < o.innerCount; i++) {
      Value v = o.inner[i];
      int me = node(out, v, id);
      out.append("  n").append(me).append("_op [label=\"").append(escape(v.op()))
          .append("\", shape=ellipse];\n");
      out.append("  n").append(me).append("_op -> n").append(me).append(";\n");
      for (Value in : v.inputs()) {
        out.append("  n").append(id.get(in)).append(" -> n").append(me).append("_op;\n");
      }
    }
    return out.append("}\n").toString();
  }

  private static int node(StringBuilder out, Value v, Map<Value, Integer> id) {
    int me = id.size();
    id.put(v, me);
    out.append("  n").append(me).append(" [shape=record, label=\"{ ");
    String name = v.name();
    if (name != null) out.append(escapeRecord(name)).append(" | ");
    out.append(String.format(Locale.ROOT, "data %.4f | grad %.4f", v.data, v.grad))
        .append(" }\"];\n");
    return me;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** Escapes a name for a record label, where braces, bars and angle brackets are fields and ports. */
  private static String escapeRecord(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r') {
        out.append(' ');
        continue;
      }
      if ("{}|<>\"\\".indexOf(c) >= 0) out.append('\\');
      out.append(c);
    }
    return out.toString();
  }
}
