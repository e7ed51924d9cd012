/**
 * The storyboard as the user writes it. The types are generated from the JSON Schema
 * (schemas/storyboard.schema.json is the source of truth); these names are what the code uses.
 */
export type {
  ShotlistStoryboard as WrittenStoryboard,
  Shot as WrittenShot,
  Variants as WrittenVariants,
  Binding as WrittenBinding,
  AxisValue as WrittenAxisValue,
  ProviderBlock as WrittenProviderBlock,
  RequestFields as WrittenRequestFields,
  Partials as WrittenPartials,
  Cut as WrittenCut,
  CutEntry as WrittenCutEntry,
  CutEntryBlock as WrittenCutEntryBlock,
  CutAudio as WrittenCutAudio,
  Transition as WrittenTransition,
} from './written.generated.js';

/** The request fields a storyboard may set, in the order they are reported. */
export const REQUEST_FIELDS = ['model', 'size', 'seconds'] as const;
export type RequestField = (typeof REQUEST_FIELDS)[number];

/** What an import file may hold. */
export interface WrittenImport {
  defaults?: import('./written.generated.js').RequestFields;
  vars?: Record<string, unknown>;
  partials?: import('./written.generated.js').Partials;
}
