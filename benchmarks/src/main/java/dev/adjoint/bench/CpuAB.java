package dev.adjoint.bench;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A/B of two or more builds in one JVM, by the training thread's CPU time, for a machine too busy
 * for wall time: each benchmarks jar is loaded in a class loader of its own (its own Adjoint
 * classes, compiled by the JIT apart), and the jars' runs are interleaved, round after round; an
 * untimed round first warms them up. Prints every run, the load average beside it, and each jar's
 * median.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.adjoint.bench.CpuAB WORK ROUNDS A.jar B.jar ...
 * </pre>
 *
 * WORK is {@code moons10000} or {@code moons1000} (recording a batch tape of the moons workload and
 * 100 steps, see {@link MoonsTraining#batched}), a {@link LayerKernelBench} shape such as
 * {@code 1000x64} (replays of its batch tape, about 10⁹ floating-point operations per run,
 * reported also as GFLOP/s), or {@code plain:} and a shape (its plain triple loop).
 */
public final class CpuAB {
  private CpuAB() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) throw new IllegalArgumentException("usage: CpuAB WORK ROUNDS JAR...: got " + Arrays.toString(args));
    final String work = args[0];
    final int rounds = Integer.parseInt(args[1]);
    final String[] jars = Arrays.copyOfRange(args, 2, args.length);
    final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    List<List<Double>> seconds = new ArrayList<>();
    ClassLoader[] loaders = new ClassLoader[jars.length];
    for (int i = 0; i < jars.length; i++) {
      loaders[i] = new URLClassLoader(new URL[] {new File(jars[i]).toURI().toURL()}, ClassLoader.getPlatformClassLoader());
      seconds.add(new ArrayList<>());
    }
    double flopPerRun = 0;
    for (int round = -1; round < rounds; round++) {
      for (int i = 0; i < jars.length; i++) {
        Thread.currentThread().setContextClassLoader(loaders[i]);
        final double sec;
        final String note;
        if (work.startsWith("moons")) {
          Class<?> moons = loaders[i].loadClass("dev.adjoint.bench.Workloads$Moons");
          Object m = moons.getMethod("load", String.class).invoke(null, work.substring("moons".length()));
          Method batched = loaders[i].loadClass("dev.adjoint.bench.MoonsTraining").getMethod("batched", moons);
          Method step = loaders[i].loadClass("dev.adjoint.bench.MoonsTraining$Trainer").getMethod("step");
          long c0 = bean.getCurrentThreadCpuTime();
          Object trainer = batched.invoke(null, m);
          double loss = 0;
          for (int k = 0; k < 100; k++) loss = (double) step.invoke(trainer);
          sec = (bean.getCurrentThreadCpuTime() - c0) / 1e9;
          note = "loss " + loss;
        } else {
          final boolean plain = work.startsWith("plain:");
          final String shape = plain ? work.substring("plain:".length()) : work;
          Callable<Object> run = layer(loaders[i], shape, plain);
          String[] s = shape.split("x");
          flopPerRun = 6.0 * Integer.parseInt(s[1]) * Integer.parseInt(s[1]) * Integer.parseInt(s[0]);
          final int reps = (int) Math.max(1, 1e9 / flopPerRun);
          Object last = null;
          long c0 = bean.getCurrentThreadCpuTime();
          for (int k = 0; k < reps; k++) last = run.call();
          sec = (bean.getCurrentThreadCpuTime() - c0) / 1e9 / reps;
          note = String.format(Locale.ROOT, "%.2f GFLOP/s, %d runs, result %s", flopPerRun / sec / 1e9, reps, last);
        }
        if (round >= 0) seconds.get(i).add(sec);
        System.out.printf(Locale.ROOT, "round %d, %s: %.6f s of CPU time, %s (load average %s)%n", round, jars[i], sec, note,
            Files.readString(Path.of("/proc/loadavg")).trim());
      }
    }
    for (int i = 0; i < jars.length; i++) {
      List<Double> t = new ArrayList<>(seconds.get(i));
      Collections.sort(t);
      double median = t.get(t.size() / 2);
      System.out.printf(Locale.ROOT, "%s: median %.6f s of CPU time%s over %d rounds%n", jars[i], median,
          flopPerRun > 0 ? String.format(Locale.ROOT, " = %.2f GFLOP/s", flopPerRun / median / 1e9) : "", t.size());
    }
  }

  /** One run of a LayerKernelBench shape in the given build: its batch tape's replay, or its plain triple loop. */
  private static Callable<Object> layer(ClassLoader loader, String shape, boolean plain) throws Exception {
    Class<?> bench = loader.loadClass("dev.adjoint.bench.LayerKernelBench");
    Object state = bench.getConstructor().newInstance();
    bench.getField("shape").set(state, shape);
    bench.getMethod("setup").invoke(state);
    if (!plain) {
      Field f = bench.getDeclaredField("tape");
      f.setAccessible(true);
      Object tape = f.get(state);
      Method backward = tape.getClass().getMethod("backward");
      return () -> backward.invoke(tape);
    }
    Method loop = null;
    for (Method m : bench.getMethods()) if (m.getName().equals("plainTripleLoop")) loop = m;
    if (loop == null) throw new IllegalArgumentException("no plainTripleLoop in " + bench);
    // builds since the GFLOP/s counter take it as a parameter
    Object[] in = loop.getParameterCount() == 0 ? new Object[0] : new Object[] {loop.getParameterTypes()[0].getConstructor().newInstance()};
    final Method triple = loop;
    return () -> triple.invoke(state, in);
  }
}
