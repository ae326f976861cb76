"""The VBA module of the desktop add-in KOSTRA.xlam, generated from the table: real error values.

xlwings' «Import Functions» (``ImportPythonUDFs``/``ImportPythonUDFsToAddin``) writes one VBA
wrapper per UDF that calls Python through ``XLPy.CallUDF`` and, when Python raises, puts the
error's *text* in the cell (``failed: KOSTRA_X = Err.Description``): a classic xlwings UDF cannot
give an Excel error value (xlwings issue 776). This module writes the same wrappers
(``kostra addin vba``), with two changes, so the desktop add-in gives real error values like the
Office add-in:

* a failed call whose description is one of ours (``"#I/T: <reason>"``, see
  :class:`~kostra_functions.excel.xlwings_udfs.KostraUdfError`) becomes ``CVErr(…)``: ``#I/T``,
  ``#VERDI!``, ``#NUM!`` …; any other failure (Python does not start, …) keeps its text, so the
  controller still sees what is wrong;
* error cells inside a table result (``"#N/A"`` …) become error values too.

The reason is then given by ``KOSTRA_FEIL``. ``KostraRegistrerHjelp`` registers the Norwegian help
of every function and argument for Excel's function wizard (``Application.MacroOptions``), as
xlwings' import does. The text is written in Windows-1252, the code page the VBA editor imports.
"""

from __future__ import annotations

from kostra_functions.excel.convert import ERROR_CODES
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction
from kostra_functions.excel.xlwings_udfs import CATEGORY, python_name

MODULE_NAME = "kostra_udfs"
UDF_MODULE = "kostra_functions.excel.xlwings_udfs"
#: Excel's CVErr numbers (xlErrNull … xlErrNA).
CVERR = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029,
         "#NUM!": 2036, "#N/A": 2042}
ENCODING = "cp1252"
#: Characters of the help texts that Windows-1252 lacks, and what stands for them.
_CP1252_FALLBACK = str.maketrans({"−": "-", "≤": "<=", "≥": ">=", "→": "->", "≈": "~", "×": "x"})


def _vba_string(text: str) -> str:
    return '"' + text.translate(_CP1252_FALLBACK).replace('"', '""') + '"'


def _wrapper(fn: ExcelFunction) -> list[str]:
    """One function, as xlwings' ``generate_vba_wrapper`` writes it for an add-in (``.xlam``),
    with our result conversion and error values."""
    params, plain, vararg = [], [], ""
    for a in fn.args:
        name = python_name(a.name)
        if a.repeating:
            params.append(f"ParamArray {name}()")
            vararg = name
        else:
            params.append(f"Optional {name}" if a.optional else name)
            plain.append(name)
    lines = [f"Function {fn.name}({', '.join(params)})"]
    if vararg:
        n = len(plain)
        lines += [
            "    Dim argsArray() As Variant",
            f"    argsArray = Array({', '.join(plain)})",
            f"    ReDim Preserve argsArray(0 to UBound({vararg}) - LBound({vararg}) + {n})",
            f"    For k = LBound({vararg}) To UBound({vararg})",
            f"    argsArray({n} + k - LBound({vararg})) = {vararg}(k)",
            "    Next k",
        ]
        args_vba = "argsArray"
    else:
        args_vba = f"Array({', '.join(plain)})"
    lines += [
        "    Dim kostraSvar As Variant",
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f'        kostraSvar = XLPy.CallUDF("{UDF_MODULE}", "{fn.name}", {args_vba}, ActiveWorkbook, '
        "Application.Caller)",
        f"        {fn.name} = KostraFeilverdier(kostraSvar)",
        "        Exit Function",
        "    #Else",
        f'        {fn.name} = XLPy.CallUDF("{UDF_MODULE}", "{fn.name}", {args_vba})',
        "        Exit Function",
        "    #End If",
        "failed:",
        f"    {fn.name} = KostraFeilverdi(Err.Description)",
        "End Function",
        "",
    ]
    return lines


def _helpers() -> list[str]:
    spellings: dict[int, list[str]] = {}
    for code, number in CVERR.items():
        spellings.setdefault(number, []).extend(dict.fromkeys([code, ERROR_CODES.get(code, code)]))
    cases = [f"        Case {', '.join(_vba_string(s) for s in names)}: KostraKode = CVErr({number})"
             for number, names in spellings.items()]
    return [
        "' Our error text «#I/T: <forklaring>» as an Excel error value; any other text stays text.",
        "Private Function KostraFeilverdi(ByVal tekst As String) As Variant",
        "    Dim kode As Variant",
        '    kode = KostraKode(Split(tekst, ":")(0))',
        '    If IsError(kode) And InStr(tekst, ": ") > 0 Then',
        "        KostraFeilverdi = kode",
        "    Else",
        "        KostraFeilverdi = tekst",
        "    End If",
        "End Function",
        "",
        "' An error code (English or Norwegian spelling) as an Excel error value; anything else as it is.",
        "Private Function KostraKode(ByVal verdi As Variant) As Variant",
        "    KostraKode = verdi",
        "    If VarType(verdi) <> vbString Then Exit Function",
        "    Select Case verdi",
        *cases,
        "    End Select",
        "End Function",
        "",
        "' The error cells of a table result (\"#N/A\" …) as Excel error values.",
        "Private Function KostraFeilverdier(ByVal svar As Variant) As Variant",
        "    Dim i As Long, j As Long",
        "    If Not IsArray(svar) Then",
        "        KostraFeilverdier = KostraKode(svar)",
        "        Exit Function",
        "    End If",
        "    If KostraDimensjoner(svar) = 2 Then",
        "        For i = LBound(svar, 1) To UBound(svar, 1)",
        "            For j = LBound(svar, 2) To UBound(svar, 2)",
        "                svar(i, j) = KostraKode(svar(i, j))",
        "            Next j",
        "        Next i",
        "    ElseIf KostraDimensjoner(svar) = 1 Then",
        "        For i = LBound(svar) To UBound(svar)",
        "            svar(i) = KostraKode(svar(i))",
        "        Next i",
        "    End If",
        "    KostraFeilverdier = svar",
        "End Function",
        "",
        "Private Function KostraDimensjoner(ByVal v As Variant) As Long",
        "    Dim n As Long, grense As Long",
        "    On Error GoTo ferdig",
        "    Do",
        "        grense = UBound(v, n + 1)",
        "        n = n + 1",
        "    Loop",
        "ferdig:",
        "    KostraDimensjoner = n",
        "End Function",
        "",
    ]


def _help_sub() -> list[str]:
    """``KostraRegistrerHjelp``: the Norwegian help in Excel's function wizard (run once)."""
    lines = [
        "' Kjør én gang før KOSTRA.xlam lagres: hjelpen til funksjonene i «Sett inn funksjon».",
        "Public Sub KostraRegistrerHjelp()",
        "    Dim a() As Variant",
    ]
    for fn in FUNCTIONS.values():
        args = fn.args
        if args:
            lines.append(f"    ReDim a(0 To {len(args) - 1})")
            lines += [f"    a({i}) = {_vba_string(a.help)}" for i, a in enumerate(args)]
            arg_part = ", ArgumentDescriptions:=a"
        else:
            arg_part = ""
        lines.append(f"    Application.MacroOptions Macro:={_vba_string(fn.name)}, "
                     f"Description:={_vba_string(fn.help)}, Category:={_vba_string(CATEGORY)}{arg_part}")
    lines += ["End Sub", ""]
    return lines


def vba_module() -> str:
    """The whole module (``KOSTRA.bas``) as text, CRLF line ends as the VBA editor exports them."""
    from kostra_functions import __version__

    lines = [
        f'Attribute VB_Name = "{MODULE_NAME}"',
        f"' KOSTRA-funksjonene for KOSTRA.xlam, generert av «kostra addin vba» fra kostra-functions "
        f"{__version__}.",
        "' Ikke rediger: lag modulen på nytt når funksjonene endres. Se addin/README.md.",
        "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel",
        "",
    ]
    for fn in FUNCTIONS.values():
        lines += _wrapper(fn)
    lines += _helpers() + _help_sub()
    return "\r\n".join(lines)


def vba_module_bytes() -> bytes:
    """:func:`vba_module` in Windows-1252; raises ``UnicodeEncodeError`` for a character it lacks."""
    return vba_module().translate(_CP1252_FALLBACK).encode(ENCODING)
