import { CLASSIFICATIONS, PERSONAL_DATA, type Classification, type PersonalData } from '../../api.js';
import { CLASSIFICATION_LABEL, PERSONAL_DATA_LABEL } from '../../display-format.js';

interface SensitivityFieldsProps {
  /** A prefix unique on the page (useId): the selects' ids are `${id}-class` and `${id}-pd`. */
  id: string;
  classification: Classification;
  personalData: PersonalData;
  onClassification(value: Classification): void;
  onPersonalData(value: PersonalData): void;
}

/**
 * The two attributes the access rule compares with a grant's limits, as every form that files or
 * refiles a document asks for them (upload, ZIP import, the details panel): labelled selects whose
 * labels the browser journeys find them by.
 */
export function SensitivityFields({ id, classification, personalData, onClassification, onPersonalData }: SensitivityFieldsProps) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-class`}>Classification</label>
        <select id={`${id}-class`} value={classification} onChange={(e) => onClassification(e.target.value as Classification)}>
          {CLASSIFICATIONS.map((c) => <option key={c} value={c}>{CLASSIFICATION_LABEL[c]}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-pd`}>Personal data</label>
        <select id={`${id}-pd`} value={personalData} onChange={(e) => onPersonalData(e.target.value as PersonalData)}>
          {PERSONAL_DATA.map((p) => <option key={p} value={p}>{PERSONAL_DATA_LABEL[p]}</option>)}
        </select>
      </div>
    </>
  );
}
