// The code editor (CodeMirror 6), bundled by esbuild at build time (scripts/build-editor.sh)
// into one script that defines `window.PlaygroundEditor`. The page (Rust) creates editors
// through it; syntax errors are marked as the user types, from the parser's error nodes,
// and counted on the editor's parent (`data-syntax-errors`) for the page and the tests.
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, highlightActiveLineGutter } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { yaml } from '@codemirror/lang-yaml';
import { syntaxHighlighting, defaultHighlightStyle, ensureSyntaxTree, bracketMatching, indentOnInput } from '@codemirror/language';
import { linter, lintGutter } from '@codemirror/lint';
import { searchKeymap } from '@codemirror/search';
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';

function syntaxErrors(parent) {
  return (view) => {
    const { state } = view;
    const tree = ensureSyntaxTree(state, state.doc.length, 500);
    const found = [];
    if (tree) {
      tree.iterate({
        enter(node) {
          if (!node.type.isError) return;
          const at = Math.min(node.from, state.doc.length);
          const line = state.doc.lineAt(at);
          const to = Math.min(Math.max(node.to, at + 1), state.doc.length);
          found.push({
            from: at,
            to: Math.max(to, at),
            severity: 'error',
            message: `Syntax error at line ${line.number}, column ${at - line.from + 1}`,
          });
        },
      });
    }
    parent.dataset.syntaxErrors = String(found.length);
    parent.dataset.firstError = found[0]?.message ?? '';
    return found;
  };
}

window.PlaygroundEditor = {
  /** An editor in `parent` for `language` ("javascript" or "yaml"); `onChange(text)` on edits. */
  create(parent, language, doc, onChange, readOnly) {
    const view = new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
          bracketMatching(), closeBrackets(), highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          // Ctrl/Cmd+Enter belongs to the page (Apply), not a blank line: the key event
          // still bubbles to the editor's parent, where the page handles it.
          Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => true }])),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, indentWithTab]),
          language === 'yaml' ? yaml() : javascript(),
          linter(syntaxErrors(parent), { delay: 250 }), lintGutter(),
          EditorState.readOnly.of(Boolean(readOnly)),
          EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
          EditorView.contentAttributes.of({ 'aria-label': language === 'yaml' ? 'Template YAML' : 'Handler code' }),
        ],
      }),
    });
    return {
      getDoc: () => view.state.doc.toString(),
      setDoc: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
      focus: () => view.focus(),
      focusAt: (pos) => {
        view.dispatch({ selection: { anchor: Math.min(pos, view.state.doc.length) }, scrollIntoView: true });
        view.focus();
      },
      destroy: () => view.destroy(),
    };
  },
};
