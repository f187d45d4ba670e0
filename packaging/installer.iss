; FlagDesk installer for Windows (Inno Setup 6).
;
; Per-user install, no administrator rights: the program goes to %LOCALAPPDATA%\Programs\FlagDesk.
; The register is NOT here: it lives in the user data folder (%LOCALAPPDATA%\FlagDesk\register.sqlite),
; which this installer never writes, replaces or deletes, so upgrading or uninstalling keeps it.
;
; Built by `python packaging\build.py --installer`, which passes the version and the built folder:
;   iscc /DAppVersion=0.1.0 /DDistDir=C:\src\flagdesk\dist\flagdesk packaging\installer.iss
; Signed releases add /DSign and /Sflagdesksign=... (see packaging\README.md).

#ifndef DistDir
  #define DistDir AddBackslash(SourcePath) + "..\dist\flagdesk"
#endif
#ifndef AppVersion
  ; Without /DAppVersion, take it from the version information PyInstaller wrote into the program.
  #define AppVersion GetStringFileInfo(AddBackslash(DistDir) + "flagdesk.exe", "ProductVersion")
#endif
#define NumericVersion GetVersionNumbersString(AddBackslash(DistDir) + "flagdesk.exe")
#define GuiExe "flagdesk-gui.exe"

[Setup]
; The AppId identifies FlagDesk across versions: a newer installer finds the old install by it and
; upgrades it in place. Never change it.
AppId={{7BCAA057-436B-4266-9C06-BFFF584F21F6}
AppName=FlagDesk
AppVersion={#AppVersion}
AppVerName=FlagDesk {#AppVersion}
AppPublisher=FlagDesk developers
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
; Per user, no elevation. An administrator may still choose a machine-wide install with /ALLUSERS.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\FlagDesk
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#DistDir}\..
OutputBaseFilename=FlagDesk-{#AppVersion}-setup
SetupIconFile={#SourcePath}..\resources\icons\flagdesk.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName=FlagDesk {#AppVersion}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; A running FlagDesk is closed (Windows Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
ChangesEnvironment=yes
#ifdef Sign
SignTool=flagdesksign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the flagdesk command to PATH (for scripts and the command line)"; GroupDescription: "Command line:"; Flags: unchecked

[InstallDelete]
; Upgrade in place: remove the previous version's libraries first so no stale module outlives it.
; Only the program folder; the register in the user data folder is not touched.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\FlagDesk"; Filename: "{app}\{#GuiExe}"; Comment: "Joint ICT commissioning register"
Name: "{autodesktop}\FlagDesk"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,FlagDesk}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Anything written into the program folder after installation (the frozen Python writes no bytecode
; caches, but a later library might) goes too. The register is elsewhere and stays.
Type: filesandordirs; Name: "{app}\_internal"

[Registry]
Root: HKA; Subkey: "{code:EnvironmentKey}"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotOnPath(ExpandConstant('{app}'))

[Code]
function EnvironmentKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function RootKey: Integer;
begin
  if IsAdminInstallMode then
    Result := HKEY_LOCAL_MACHINE
  else
    Result := HKEY_CURRENT_USER;
end;

function NotOnPath(Dir: String): Boolean;
var
  Path: String;
begin
  if not RegQueryStringValue(RootKey, EnvironmentKey(''), 'Path', Path) then
    Path := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

// Take our folder out of PATH again on uninstall (added only if the task was chosen).
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Padded, Dir: String;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(RootKey, EnvironmentKey(''), 'Path', Path) then
    exit;
  Dir := ExpandConstant('{app}');
  // Padding with ';' matches whole entries only, wherever ours sits in the list.
  Padded := ';' + Path + ';';
  P := Pos(';' + Uppercase(Dir) + ';', Uppercase(Padded));
  if P > 0 then
  begin
    Delete(Padded, P, Length(Dir) + 1);
    RegWriteExpandStringValue(RootKey, EnvironmentKey(''), 'Path', Copy(Padded, 2, Length(Padded) - 2));
  end;
end;
