#!/usr/bin/env bash
# A Java CI suite in a fresh Maven project (tools/java-suite/pom.xml: engine-java, verification
# and JUnit only) runs README's Java tests (GradCheck, a user's Primitive, the parameterized
# random-expression tests) against this checkout, and its test class path holds no Kotest,
# coroutines, JNA, ByteBuddy or classgraph.
# This checkout is installed into a private local repository (seeded from ~/.m2, never writing
# to it): REPO=/path/to/repo reuses one. Usage: [REPO=dir] bash tools/java-suite.sh   (3-5 minutes)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="${REPO:-$(mktemp -d)/m2}"
if [ ! -d "$repo" ]; then
  mkdir -p "$repo"
  if [ -d "$HOME/.m2/repository" ]; then cp -r "$HOME/.m2/repository/." "$repo"; fi
fi
echo "installing $here into $repo"
(cd "$here" && mvn -B -q install -DskipTests -Dmaven.repo.local="$repo")
project="$(mktemp -d)/java-suite"
mkdir -p "$project/src/test/java/com/example"
cp "$here/tools/java-suite/pom.xml" "$project/"
for t in MyModelGradientTest MyPrimitiveTest MyRandomExpressionTest; do
  sed 's/^package dev\.adjoint\.verify;/package com.example;/' "$here/verification/src/test/java/dev/adjoint/verify/$t.java" \
    > "$project/src/test/java/com/example/$t.java"
done
cd "$project"
mvn -B -q -Dmaven.repo.local="$repo" dependency:tree -Dscope=test -DoutputFile=tree.txt
cat tree.txt
if grep -Ei 'kotest|kotlinx-coroutines|jna|byte-?buddy|classgraph|dsl-kotlin' tree.txt; then
  echo "java-suite: the test class path holds the dependencies above" >&2
  exit 1
fi
mvn -B -Dmaven.repo.local="$repo" test | grep -E 'Tests run|BUILD|ERROR'
echo "java-suite: passed in $project"
