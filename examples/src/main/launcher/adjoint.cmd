@echo off
rem adjoint.cmd: the tour's launcher on Windows (bin\adjoint.cmd, copied here by the build from
rem examples\src\main\launcher\adjoint.cmd); bin/adjoint is the same for POSIX shells. It runs
rem examples\target\adjoint.jar as `java -jar` would, with the class-data-sharing archive the build
rem made, and with C1 only (-XX:TieredStopAtLevel=1) when rows x steps is at most ADJOINT_C1_MAX_WORK
rem (default 100000; measured in README's Performance section), Adjoint's own methods then compiled
rem after 1/10 of the usual calls and loop iterations, by one compiler thread, with the serial
rem collector. JAVA_HOME selects the JVM; JAVA_OPTS adds options (after the launcher's, so they win).
setlocal EnableExtensions EnableDelayedExpansion
for %%I in ("%~dp0..") do set "ADJOINT_HOME=%%~fI"
set "JAR=%ADJOINT_HOME%\examples\target\adjoint.jar"
set "JSA=%ADJOINT_HOME%\examples\target\adjoint.jsa"
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java.exe") else (set "JAVA=java")
if not exist "%JAR%" (
  echo adjoint: %JAR% not found; build it first: mvn -B -q package -DskipTests 1>&2
  exit /b 1
)

rem the job's size: rows x steps, from the command and its options (unknown: leave the JIT alone)
set "COMMAND="
set "ROWS="
set "STEPS="
set "DATA="
set "PREV="
rem cmd splits --steps=100 at the "=", so both spellings arrive as two words
for %%A in (%*) do (
  set "ARG=%%~A"
  if "!PREV!"=="--data" set "DATA=%%~A"
  if "!PREV!"=="--steps" set "STEPS=%%~A"
  if "!PREV!"=="--epochs" set "STEPS=%%~A"
  if not defined COMMAND if not "!ARG:~0,1!"=="-" if not "!PREV:~0,2!"=="--" set "COMMAND=%%~A"
  set "PREV=%%~A"
)
if "%COMMAND%"=="" (set "ROWS=1" & set "STEPS=1")
if "%COMMAND%"=="demo" (set "ROWS=1" & set "STEPS=1")
if "%COMMAND%"=="gradcheck" (set "ROWS=1" & set "STEPS=1")
if "%COMMAND%"=="help" (set "ROWS=1" & set "STEPS=1")
if "%COMMAND%"=="xor" (set "ROWS=4" & if not defined STEPS set "STEPS=500")
if "%COMMAND%"=="moons" (set "ROWS=100" & if not defined STEPS set "STEPS=100")
if "%COMMAND%"=="bench" (if not defined STEPS set "STEPS=100")
if defined DATA if exist "%DATA%" (
  rem rows: the lines that start with a number (a header line does not)
  for /f %%N in ('findstr /r /c:"^[-+.0-9]" "%DATA%" ^| find /c /v ""') do set "ROWS=%%N"
)

set "FLAGS="
if exist "%JSA%" set "FLAGS=-XX:SharedArchiveFile="%JSA%" -Xlog:cds=off -Xlog:cds+dynamic=off"
if not defined ADJOINT_C1_MAX_WORK set "ADJOINT_C1_MAX_WORK=100000"
if defined ROWS if defined STEPS (
  set "DIGITS=!ROWS!!STEPS!"
  for /f "delims=0123456789" %%X in ("!DIGITS!") do set "DIGITS="
  if defined DIGITS if "!DIGITS:~9!"=="" (
    set /a WORK=ROWS*STEPS
    if !WORK! LEQ %ADJOINT_C1_MAX_WORK% set "FLAGS=-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -XX:CompileCommand=quiet "-XX:CompileCommand=option,dev.adjoint.*::*,double,CompileThresholdScaling,0.1" !FLAGS!"
  )
)
"%JAVA%" %FLAGS% %JAVA_OPTS% -jar "%JAR%" %*
exit /b %ERRORLEVEL%
