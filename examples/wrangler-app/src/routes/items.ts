export interface Item {
  id: string;
  name: string;
}

export const items: Item[] = [
  { id: "1", name: "kettle" },
  { id: "2", name: "teapot" },
];
