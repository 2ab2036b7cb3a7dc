package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Dataset's hand-written decimal scanner accepts exactly what the grammar's regular expression does. */
class DatasetDecimalTest {
  private static final Pattern GRAMMAR = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  @Test
  void namedCases() {
    String[] yes = {"0", "-1", "+2.5", "2.", ".5", "4e-1", "4E+10", "1.5e3", "-.5e-2", "007", "1e999"};
    String[] no = {"", "+", "-", ".", "e5", ".e1", "1e", "1e+", "1.2.3", "--1", "NaN", "Infinity", "0x1p3", "1f", "1d", " 1", "1 ",
        "١", "1_000", "+-1", "1e5.0"};
    for (String s : yes) assertEquals(true, Dataset.isDecimal(s), s);
    for (String s : no) assertEquals(false, Dataset.isDecimal(s), s);
  }

  @Test
  void agreesWithTheRegularExpressionOnRandomStrings() {
    Random rng = new Random(42);
    String alphabet = "0123456789+-.eEx ";
    for (int k = 0; k < 200_000; k++) {
      StringBuilder b = new StringBuilder();
      int len = rng.nextInt(8);
      for (int i = 0; i < len; i++) b.append(alphabet.charAt(rng.nextInt(alphabet.length())));
      String s = b.toString();
      assertEquals(GRAMMAR.matcher(s).matches(), Dataset.isDecimal(s), s);
    }
  }
}
