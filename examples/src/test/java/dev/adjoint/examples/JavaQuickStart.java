package dev.adjoint.examples;

// readme:java-quick-start
import dev.adjoint.Value;

public class JavaQuickStart {
  public static void main(String[] args) {
    Value a = Value.of(2.0), b = Value.of(-3.0);
    Value d = a.times(b).plus(a.pow(2)).tanh();   // d = tanh(a*b + a^2)
    d.backward();
    System.out.println(d);                        // Value(data=-0.9640, grad=1.0000)
    System.out.println(a.grad() + " " + b.grad()); // 0.07065082485316443 0.14130164970632886
  }
}
// readme:end
