import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

/**
 * A button that shows and hides a small panel of links or actions below it (the disclosure pattern, which is what
 * a site's navigation menu is, rather than an application menu): Enter or Space opens it, ↓ opens it and moves to
 * the first item, ↑ ↓ Home End move between the items, Escape closes it and gives the focus back to the button, and
 * a click or the focus anywhere else closes it. `closeOn` closes it when it changes (the page shown).
 */
export function MenuButton(props: {
  label: ComponentChildren;
  /** What a screen reader says for the button when `label` is not words enough (an icon, a name). */
  ariaLabel?: string;
  /** Marks the button as holding the page shown (like a current nav link). */
  current?: boolean;
  class?: string;
  align?: 'start' | 'end';
  closeOn?: unknown;
  children: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => setOpen(false), [props.closeOn]);
  useEffect(() => {
    if (!open) return;
    const outside = (e: Event) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    document.addEventListener('focusin', outside);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('focusin', outside);
    };
  }, [open]);

  const items = () =>
    Array.from(
      root.current?.querySelectorAll<HTMLElement>(`[id="${panelId}"] a, [id="${panelId}"] button`) ?? [],
    );
  const focusItem = (which: 'first' | 'last' | 1 | -1) => {
    const all = items();
    if (all.length === 0) return;
    const at = all.indexOf(document.activeElement as HTMLElement);
    const index =
      which === 'first'
        ? 0
        : which === 'last'
          ? all.length - 1
          : (Math.max(at, which === 1 ? -1 : 0) + which + all.length) % all.length;
    all[index]!.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
      return;
    }
    const onButton = e.target === button.current;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        // The panel is drawn on the next render.
        requestAnimationFrame(() => focusItem(e.key === 'ArrowDown' ? 'first' : 'last'));
      } else if (onButton) focusItem(e.key === 'ArrowDown' ? 'first' : 'last');
      else focusItem(e.key === 'ArrowDown' ? 1 : -1);
    } else if (open && !onButton && (e.key === 'Home' || e.key === 'End')) {
      e.preventDefault();
      focusItem(e.key === 'Home' ? 'first' : 'last');
    }
  };

  return (
    <div
      class={`menu${open ? ' open' : ''}${props.class ? ` ${props.class}` : ''}`}
      ref={root}
      onKeyDown={onKeyDown}
    >
      <button
        type="button"
        ref={button}
        class={`menu-button${props.current ? ' current' : ''}`}
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={props.ariaLabel}
        onClick={() => setOpen((o) => !o)}
      >
        {props.label}{' '}
        <span aria-hidden="true" class="menu-caret">
          ▾
        </span>
      </button>
      <div id={panelId} class={`menu-panel menu-${props.align ?? 'start'}`} hidden={!open}>
        {props.children}
      </div>
    </div>
  );
}
