package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Graphs on different threads are independent: concurrent results equal sequential ones bitwise. */
class ConcurrencyTest {
  /** A random graph with shared nodes; returns the output value and every leaf's gradient. */
  static double[] work(long seed) {
    Random r = new Random(seed);
    List<Value> leaves = new ArrayList<>();
    for (int i = 0; i < 8; i++) leaves.add(Value.of(r.nextDouble() * 2 - 1));
    List<Value> pool = new ArrayList<>(leaves);
    for (int i = 0; i < 3000; i++) {
      Value a = pool.get(r.nextInt(pool.size())), b = pool.get(r.nextInt(pool.size()));
      Value v;
      switch (r.nextInt(6)) {
        case 0: v = a.plus(b); break;
        case 1: v = a.times(b).tanh(); break;
        case 2: v = a.minus(b).sin(); break;
        case 3: v = Value.dot(List.of(a, b), List.of(b, a)).sigmoid(); break;
        case 4: v = a.times(0.5).exp().minus(1.0); break;
        default: v = Value.sum(List.of(a, b, a)).cos(); break;
      }
      pool.add(v);
    }
    Value out = Value.sum(pool.subList(pool.size() - 100, pool.size()));
    out.backward();
    out.backward();
    double[] result = new double[leaves.size() + 1];
    result[0] = out.data();
    for (int i = 0; i < leaves.size(); i++) result[i + 1] = leaves.get(i).grad();
    return result;
  }

  @Test
  void eightThreadsGiveBitwiseTheSequentialResults() throws Exception {
    int tasks = 64;
    double[][] sequential = new double[tasks][];
    for (int t = 0; t < tasks; t++) sequential[t] = work(t);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<double[]>> futures = new ArrayList<>();
      for (int t = 0; t < tasks; t++) {
        final long seed = t;
        Callable<double[]> job = () -> work(seed);
        futures.add(pool.submit(job));
      }
      for (int t = 0; t < tasks; t++) assertArrayEquals(sequential[t], futures.get(t).get(), 0.0);
    } finally {
      pool.shutdown();
    }
  }
}
