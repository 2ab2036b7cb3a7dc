package dev.adjoint;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/** Writes a graph of {@link Value}s as Graphviz DOT text, like micrograd's draw_dot. */
final class Graphviz {
  private Graphviz() {}

  static String dot(Value root) {
    StringBuilder out = new StringBuilder(256);
    out.append("digraph adjoint {\n  rankdir=LR;\n")
        .append("  node [fontname=\"Helvetica\", fontsize=11];\n");
    Sweep.Order o = Sweep.linearise(root);
    Map<Value, Integer> id = new IdentityHashMap<>();
    try {
      for (int j = 0; j < o.leafCount; j++) node(out, o.leaves[j], id);
      for (int i = 0; i < o.innerCount; i++) {
        Value v = o.inner[i];
        int me = node(out, v, id);
        out.append("  n").append(me).append("_op [label=\"").append(escape(v.op()))
            .append("\", shape=ellipse];\n");
        out.append("  n").append(me).append("_op -> n").append(me).append(";\n");
        for (int k = 0; k < v.arity(); k++) {
          out.append("  n").append(id.get(v.input(k))).append(" -> n").append(me).append("_op;\n");
        }
      }
    } finally {
      o.clearMarks();
    }
    return out.append("}\n").toString();
  }

  private static int node(StringBuilder out, Value v, Map<Value, Integer> id) {
    int me = id.size();
    id.put(v, me);
    out.append("  n").append(me).append(" [shape=record, label=\"{ ")
        .append(String.format(Locale.ROOT, "data %.4f | grad %.4f", v.data, v.grad))
        .append(" }\"];\n");
    return me;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
